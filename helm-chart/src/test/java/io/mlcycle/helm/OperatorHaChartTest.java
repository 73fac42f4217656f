package io.mlcycle.helm;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * High availability and upgrade hygiene as rendered by real Helm: leader-elected replicas, their
 * disruption budget and spreading, memory from the benchmark, JSON logs, the values schema, the
 * {@code helm test} hook and the CRDs as upgradable release objects.
 */
@UnitTier
class OperatorHaChartTest {

    static final Chart.Rendered DEFAULTS = Chart.template(Map.of());

    @Test
    void twoReplicasRollWithoutEverHavingNoneAndElectALeaderThroughALeaseInTheReleaseNamespace() {
        JsonNode deployment = DEFAULTS.get("Deployment", "mlcycle");
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(deployment.at("/spec/strategy/type").asText()).isEqualTo("RollingUpdate");
        assertThat(deployment.at("/spec/strategy/rollingUpdate/maxUnavailable").asInt()).isZero();

        assertThat(DEFAULTS.env("MLCYCLE_LEADER_ELECTION_ENABLED").asText()).isEqualTo("true");
        assertThat(DEFAULTS.env("MLCYCLE_LEADER_ELECTION_LEASE_NAME").asText())
                .isEqualTo("mlcycle-leader");
        assertThat(DEFAULTS.env("MLCYCLE_LEADER_ELECTION_LEASE_DURATION").asText())
                .isEqualTo("15s");
        assertThat(DEFAULTS.env("MLCYCLE_LEADER_ELECTION_RENEW_DEADLINE").asText())
                .isEqualTo("10s");
        assertThat(DEFAULTS.env("MLCYCLE_LEADER_ELECTION_RETRY_PERIOD").asText()).isEqualTo("2s");
        assertThat(fieldRef("MLCYCLE_LEADER_ELECTION_LEASE_NAMESPACE"))
                .isEqualTo("metadata.namespace");
        assertThat(fieldRef("MLCYCLE_LEADER_ELECTION_IDENTITY")).isEqualTo("metadata.name");

        // What the operator SDK checks (SelfSubjectRulesReview) before it runs the election.
        JsonNode role = DEFAULTS.get("Role", "mlcycle-leader-election");
        assertThat(role.at("/metadata/namespace").asText()).isEqualTo(Chart.NAMESPACE);
        assertThat(role.at("/rules/0/resources/0").asText()).isEqualTo("leases");
        assertThat(Manifests.texts(role.at("/rules/0/verbs"))).contains("get", "create", "update");
    }

    @Test
    void electionCanBeTurnedOffForASingleReplica() {
        Chart.Rendered single =
                Chart.template(Map.of("replicaCount", 1, "leaderElection.enabled", false));

        assertThat(single.get("Deployment", "mlcycle").at("/spec/replicas").asInt()).isEqualTo(1);
        assertThat(single.env("MLCYCLE_LEADER_ELECTION_ENABLED").asText()).isEqualTo("false");
        assertThat(single.env("MLCYCLE_LEADER_ELECTION_LEASE_NAMESPACE").isMissingNode()).isTrue();
    }

    @Test
    void aDisruptionBudgetKeepsOneOperatorAndReplicasPreferDifferentNodes() {
        JsonNode pdb = DEFAULTS.get("PodDisruptionBudget", "mlcycle");
        JsonNode podLabels =
                DEFAULTS.get("Deployment", "mlcycle").at("/spec/template/metadata/labels");
        assertThat(pdb.at("/spec/minAvailable").asInt()).isEqualTo(1);
        assertSelects(pdb.at("/spec/selector/matchLabels"), podLabels);

        JsonNode term =
                DEFAULTS.get("Deployment", "mlcycle")
                        .at(
                                "/spec/template/spec/affinity/podAntiAffinity"
                                        + "/preferredDuringSchedulingIgnoredDuringExecution/0");
        assertThat(term.at("/podAffinityTerm/topologyKey").asText())
                .isEqualTo("kubernetes.io/hostname");
        assertSelects(term.at("/podAffinityTerm/labelSelector/matchLabels"), podLabels);

        Chart.Rendered own =
                Chart.template(
                        Map.of(
                                "affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution"
                                        + ".nodeSelectorTerms[0].matchExpressions[0].key",
                                "pool"));
        JsonNode affinity = own.get("Deployment", "mlcycle").at("/spec/template/spec/affinity");
        assertThat(affinity.has("nodeAffinity")).isTrue();
        assertThat(affinity.has("podAntiAffinity"))
                .as("the user's affinity replaces ours")
                .isFalse();
        assertThat(
                        Chart.template(Map.of("podDisruptionBudget.enabled", false))
                                .find("PodDisruptionBudget", "mlcycle"))
                .isEmpty();
    }

    @Test
    void theMemoryLimitIsAboveTheRssTheOperatorBenchmarkMeasured() {
        // benchmarks/operator/README.md: RSS 768-830 MB with 3 000 resources.
        long measuredRss = 830L * 1000 * 1000;
        JsonNode resources = DEFAULTS.operatorContainer().get("resources");

        assertThat(bytes(resources.at("/limits/memory").asText()))
                .isGreaterThan(measuredRss + measuredRss / 4);
        assertThat(bytes(resources.at("/requests/memory").asText()))
                .isLessThanOrEqualTo(bytes(resources.at("/limits/memory").asText()));
    }

    @Test
    void logsArePlainTextUnlessJsonIsAskedFor() {
        assertThat(DEFAULTS.env("QUARKUS_LOG_CONSOLE_JSON_ENABLED").asText()).isEqualTo("false");
        assertThat(
                        Chart.template(Map.of("logging.json", true))
                                .env("QUARKUS_LOG_CONSOLE_JSON_ENABLED")
                                .asText())
                .isEqualTo("true");
    }

    @Test
    void aTypoInValuesFailsTheRenderingNamingTheKey() {
        assertThatThrownBy(() -> Chart.template(Map.of("replicaCont", 3)))
                .hasMessageContaining("replicaCont");
        assertThatThrownBy(() -> Chart.template(Map.of("metrics.prot", 9090)))
                .hasMessageContaining("prot");
        assertThatThrownBy(() -> Chart.template(Map.of("leaderElection.leaseDuration", "soon")))
                .hasMessageContaining("leaseDuration");
        assertThatThrownBy(() -> Chart.template(Map.of("replicaCount", 0)))
                .hasMessageContaining("replicaCount");
    }

    @Test
    void helmTestAsksTheOperatorsReadinessThroughItsService() {
        JsonNode pod = Chart.testHooks(Map.of()).get("Pod", "mlcycle-test-operator-answers");
        JsonNode service = DEFAULTS.get("Service", "mlcycle-metrics");

        assertThat(pod.at("/metadata/annotations/helm.sh~1hook").asText()).isEqualTo("test");
        assertThat(pod.at("/spec/restartPolicy").asText()).isEqualTo("Never");
        assertThat(Manifests.texts(pod.at("/spec/containers/0/command")))
                .contains(
                        "wget",
                        "http://mlcycle-metrics."
                                + Chart.NAMESPACE
                                + ".svc:"
                                + service.at("/spec/ports/0/port").asInt()
                                + "/q/health/ready");
        assertThat(pod.at("/spec/containers/0/securityContext/readOnlyRootFilesystem").asBoolean())
                .isTrue();
        assertThat(
                        Chart.testHooks(Map.of("metrics.enabled", false))
                                .find("Pod", "mlcycle-test-operator-answers"))
                .isEmpty();
    }

    @Test
    void theChartInstallsAndUpgradesEveryGeneratedCrdAndKeepsThemOnUninstall() throws IOException {
        List<JsonNode> crds = DEFAULTS.ofKind("CustomResourceDefinition");
        List<Path> files = Chart.crdFiles();
        assertThat(crds).hasSize(files.size());

        for (Path file : files) {
            JsonNode generated = Chart.parseAll(Chart.read(file)).get(0);
            String name = generated.at("/metadata/name").asText();
            JsonNode rendered = DEFAULTS.get("CustomResourceDefinition", name);
            // Helm reads numbers as float64 (minimum: 0.0 renders as 0): the same JSON number.
            assertThat(numbersAsDoubles(rendered.get("spec")))
                    .as(name)
                    .isEqualTo(numbersAsDoubles(generated.get("spec")));
            assertThat(rendered.at("/metadata/annotations/helm.sh~1resource-policy").asText())
                    .isEqualTo("keep");
            assertThat(rendered.at("/metadata/labels/app.kubernetes.io~1managed-by").asText())
                    .isEqualTo("Helm");
        }

        assertThat(
                        Chart.template(Map.of("crds.keep", false))
                                .ofKind("CustomResourceDefinition")
                                .get(0)
                                .at("/metadata/annotations/helm.sh~1resource-policy")
                                .isMissingNode())
                .isTrue();
        assertThat(Chart.template(Map.of("crds.enabled", false)).ofKind("CustomResourceDefinition"))
                .isEmpty();
    }

    static JsonNode numbersAsDoubles(JsonNode node) {
        if (node.isNumber()) {
            return com.fasterxml.jackson.databind.node.DoubleNode.valueOf(node.doubleValue());
        }
        if (node.isObject()) {
            var copy = Chart.JSON.createObjectNode();
            node.fields()
                    .forEachRemaining(e -> copy.set(e.getKey(), numbersAsDoubles(e.getValue())));
            return copy;
        }
        if (node.isArray()) {
            var copy = Chart.JSON.createArrayNode();
            node.forEach(n -> copy.add(numbersAsDoubles(n)));
            return copy;
        }
        return node;
    }

    private static String fieldRef(String env) {
        for (JsonNode e : DEFAULTS.operatorContainer().path("env")) {
            if (env.equals(e.path("name").asText())) {
                return e.at("/valueFrom/fieldRef/fieldPath").asText();
            }
        }
        throw new AssertionError("no env " + env);
    }

    private static void assertSelects(JsonNode matchLabels, JsonNode podLabels) {
        assertThat(matchLabels.size()).isPositive();
        matchLabels
                .fields()
                .forEachRemaining(
                        e ->
                                assertThat(podLabels.path(e.getKey()).asText())
                                        .isEqualTo(e.getValue().asText()));
    }

    /** A Kubernetes memory quantity (Ki/Mi/Gi or plain bytes) in bytes. */
    static long bytes(String quantity) {
        Map<String, Long> units = Map.of("Ki", 1L << 10, "Mi", 1L << 20, "Gi", 1L << 30);
        for (var unit : units.entrySet()) {
            if (quantity.endsWith(unit.getKey())) {
                return Long.parseLong(quantity.substring(0, quantity.length() - 2))
                        * unit.getValue();
            }
        }
        return Long.parseLong(quantity);
    }
}
