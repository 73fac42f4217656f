package io.mlcycle.task;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The task JSON carries its contract version; a runtime refuses a newer one. */
@UnitTier
class TaskContractTest {

    static final ServeTask TASK =
            TaskJson.MAPPER.convertValue(
                    TaskJson.MAPPER
                            .createObjectNode()
                            .put("model", "churn")
                            .put("version", 3)
                            .put("kind", "serve"),
                    ServeTask.class);

    @Test
    void theOperatorsTaskJsonCarriesThisBuildsContractVersion() throws Exception {
        ObjectNode json = (ObjectNode) TaskJson.MAPPER.readTree(TaskJson.writeTask(TASK));

        assertEquals(TaskJson.CONTRACT_VERSION, json.get("contractVersion").asInt());
        assertEquals("serve", json.get("kind").asText());
        ServeTask back = assertInstanceOf(ServeTask.class, TaskJson.readTask(json.toString()));
        assertEquals("churn", back.model());
        assertEquals(3, back.version());
    }

    @Test
    void aTaskWithoutVersionFromAnOlderOperatorStillReads() {
        Task task = TaskJson.readTask("{\"kind\":\"serve\",\"model\":\"churn\",\"version\":3}");

        assertEquals("churn", assertInstanceOf(ServeTask.class, task).model());
    }

    @Test
    void aTaskOfANewerContractIsRefusedNamingBothVersions() throws Exception {
        ObjectNode json = (ObjectNode) TaskJson.MAPPER.readTree(TaskJson.writeTask(TASK));
        int newer = TaskJson.CONTRACT_VERSION + 1;
        json.put("contractVersion", newer);
        json.put("fieldOfTheFuture", "must not be dropped silently");

        var e =
                assertThrows(
                        TaskJson.UnsupportedContractException.class,
                        () -> TaskJson.readTask(json.toString()));
        assertTrue(
                e.getMessage().contains("contract version " + newer)
                        && e.getMessage()
                                .contains(
                                        "implements contract version " + TaskJson.CONTRACT_VERSION),
                e.getMessage());
    }

    @Test
    void aContractVersionThatIsNoVersionIsInvalidTaskJson() {
        var e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                TaskJson.readTask(
                                        "{\"kind\":\"serve\",\"model\":\"m\",\"contractVersion\":\"two\"}"));
        assertTrue(e.getMessage().contains("contractVersion \"two\""), e.getMessage());
    }
}
