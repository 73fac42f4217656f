package io.mlcycle.task;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@UnitTier
class OnlineTaskJsonTest {

    @Test
    void pivotTaskWithoutOnlineReadsAsOff() {
        Task task =
                TaskJson.readTask(
                        "{\"kind\":\"pivot\",\"asOf\":\"2026-01-02\",\"entity\":\"user_id\","
                                + "\"wideExportMaxFeatures\":0}");
        assertNull(((PivotTask) task).online());
    }

    @Test
    void pivotTaskOnlineBlockRoundTrips() {
        PivotTask task =
                new PivotTask(
                        null,
                        "2026-01-02",
                        "user_id",
                        null,
                        null,
                        null,
                        null,
                        null,
                        null,
                        0,
                        new PivotTask.Online(
                                "redis://redis:6379/0", 172800, "MLCYCLE_REDIS_PASSWORD"));
        assertEquals(task, TaskJson.readTask(TaskJson.write(task)));
    }

    @Test
    void anOnlineColumnListAndMarginRoundTripAndAnOldBlockReadsAsEveryColumn() {
        PivotTask.Online narrowed =
                new PivotTask.Online("redis://redis:6379/0", 3600, null, List.of("a", "b"), 3);
        assertEquals(narrowed, TaskJson.MAPPER.convertValue(narrowed, PivotTask.Online.class));
        PivotTask.Online old =
                TaskJson.MAPPER.convertValue(
                        java.util.Map.of("url", "redis://redis:6379/0", "ttlSeconds", 3600),
                        PivotTask.Online.class);
        assertNull(old.columns());
        assertEquals(false, old.narrowed());
        assertEquals(0, old.margin());
    }

    @Test
    void theModelsWhoseFullRankingThePodReadsRoundTrip() {
        PivotTask.Online ranked =
                new PivotTask.Online(
                        "redis://redis:6379/0",
                        3600,
                        null,
                        List.of("a"),
                        0,
                        new PivotTask.Ranking(
                                30,
                                List.of(
                                        new PivotTask.RankedModel(
                                                "churn v3", "s3://models/churn/v3/"))));
        PivotTask.Online back = TaskJson.MAPPER.convertValue(ranked, PivotTask.Online.class);
        assertEquals(ranked, back);
        assertEquals(30, back.ranking().topK());
        assertNull(new PivotTask.Online("redis://r:6379/0", 60, null, List.of("a"), 0).ranking());
    }

    @Test
    void serveTaskOnlineBlockRoundTripsAndOldJsonReadsAsOff() {
        ServeTask task =
                new ServeTask(
                        null,
                        "churn",
                        "churn",
                        3,
                        "file:///m",
                        8080,
                        1000,
                        10,
                        100,
                        new ServeTask.Online("redis://r:6379/0", null, List.of("fv-a", "fv-b")),
                        null,
                        null);
        assertEquals(task, TaskJson.readTask(TaskJson.write(task)));
        ServeTask old =
                (ServeTask)
                        TaskJson.readTask(
                                "{\"kind\":\"serve\",\"deployment\":\"d\",\"model\":\"m\","
                                        + "\"version\":1,\"port\":8080}");
        assertNull(old.online());
    }
}
