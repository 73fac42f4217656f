package io.mlcycle.helm;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Runs the Argo CD Lua health checks with luaj on the sample resources in argocd/*.yaml. */
@UnitTier
class ArgoCdHealthCheckTest {

    static final Map<String, List<String>> PHASES =
            Map.of(
                    "FeatureView",
                    List.of("Pending", "Materializing", "WaitingForData", "Ready", "Failed"),
                    "TrainingRun",
                    List.of("Pending", "WaitingForFeatures", "Training", "Succeeded", "Failed"),
                    "ModelVersion",
                    List.of("Pending", "Approved", "Rejected", "RolledBack"),
                    "ModelDeployment",
                    List.of(
                            "Pending",
                            "Progressing",
                            "Available",
                            "Degraded",
                            "RolledBack",
                            "Failed"));

    static final Set<String> ARGO_STATUSES =
            Set.of("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown");

    static Stream<Arguments> samples() throws IOException {
        List<Arguments> cases = new ArrayList<>();
        for (String kind : PHASES.keySet().stream().sorted().toList()) {
            for (JsonNode sample : samplesOf(kind)) {
                cases.add(
                        Arguments.of(
                                kind,
                                Named.of(
                                        kind + ": " + sample.get("description").asText(), sample)));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("samples")
    void healthMatchesWhatTheSampleStatusMeans(String kind, JsonNode sample) {
        LuaHealthCheck.Health health = new LuaHealthCheck(kind).evaluate(sample.get("resource"));

        assertThat(health.status()).isEqualTo(sample.at("/expect/status").asText());
        assertThat(health.message()).contains(sample.at("/expect/message").asText());
    }

    @Test
    void everyPhaseOfEveryKindHasASample() throws IOException {
        for (var entry : PHASES.entrySet()) {
            Set<String> covered = new HashSet<>();
            for (JsonNode sample : samplesOf(entry.getKey())) {
                covered.add(sample.at("/resource/status/phase").asText());
            }
            assertThat(covered).as(entry.getKey()).containsAll(entry.getValue());
        }
    }

    @Test
    void everyKindAnswersAnArgoCdStatusAndAMessageForAnyPhaseAndConditionMix() {
        List<String> conditionTypes =
                List.of(
                        "Ready",
                        "Progressing",
                        "Degraded",
                        "Approved",
                        "RolledBack",
                        "WaitingForData",
                        "WaitingForFeatures",
                        "ValidationFailed",
                        "InvalidSpec",
                        "Failed");
        for (var entry : PHASES.entrySet()) {
            LuaHealthCheck check = new LuaHealthCheck(entry.getKey());
            List<String> phases = new ArrayList<>(entry.getValue());
            phases.add("SomethingNew");
            for (String phase : phases) {
                for (String type : conditionTypes) {
                    for (String status : List.of("True", "False", "Unknown")) {
                        JsonNode resource =
                                Chart.JSON
                                        .createObjectNode()
                                        .set(
                                                "status",
                                                Chart.JSON
                                                        .createObjectNode()
                                                        .put("phase", phase)
                                                        .set(
                                                                "conditions",
                                                                Chart.JSON
                                                                        .createArrayNode()
                                                                        .add(
                                                                                Chart.JSON
                                                                                        .createObjectNode()
                                                                                        .put(
                                                                                                "type",
                                                                                                type)
                                                                                        .put(
                                                                                                "status",
                                                                                                status))));
                        LuaHealthCheck.Health health = check.evaluate(resource);
                        assertThat(health.status())
                                .as(entry.getKey() + " " + phase + " " + type + "=" + status)
                                .isIn(ARGO_STATUSES);
                        assertThat(health.message()).isNotBlank();
                    }
                }
            }
        }
    }

    @Test
    void anUnknownPhaseIsProgressingNotHealthy() {
        for (String kind : PHASES.keySet()) {
            JsonNode resource =
                    Chart.JSON
                            .createObjectNode()
                            .set("status", Chart.JSON.createObjectNode().put("phase", "Unheard"));

            assertThat(new LuaHealthCheck(kind).evaluate(resource).status())
                    .as(kind)
                    .isEqualTo("Progressing");
        }
    }

    static List<JsonNode> samplesOf(String kind) throws IOException {
        JsonNode samples = Chart.YAML.readTree(Resources.path("argocd/" + kind + ".yaml").toFile());
        List<JsonNode> list = new ArrayList<>();
        samples.forEach(list::add);
        return list;
    }
}
