package io.mlcycle.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.mlcycle.helm.Manifests.namespacesOf;
import static io.mlcycle.helm.Manifests.rulesFor;
import static io.mlcycle.helm.Manifests.texts;
import static io.mlcycle.helm.Manifests.verbs;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The chart's value spark.enabled: operator RBAC for SparkApplications and the drivers' account.
 */
@UnitTier
class SparkEngineChartTest {

    static Chart.Rendered defaults;
    static Chart.Rendered enabled;
    static Chart.Rendered enabledTwoNamespaces;

    @BeforeAll
    static void render() {
        defaults = Chart.template(Map.of());
        enabled = Chart.template(Map.of("spark.enabled", true));
        enabledTwoNamespaces =
                Chart.template(Map.of("spark.enabled", true, "watchNamespaces", "a,b"));
    }

    @Test
    void byDefaultTheOperatorMayNotTouchSparkApplicationsAndNoDriverAccountExists() {
        JsonNode role = defaults.get("ClusterRole", "mlcycle-operator");

        assertThat(rulesFor(role, "sparkoperator.k8s.io", "sparkapplications")).isEmpty();
        assertThat(defaults.find("ServiceAccount", "mlcycle-spark")).isEmpty();
        assertThat(defaults.find("Role", "mlcycle-spark")).isEmpty();
        assertThat(defaults.env("MLCYCLE_SPARK_ENABLED").asText()).isEqualTo("false");
        assertThat(defaults.env("MLCYCLE_IMAGES_PIVOT_SPARK").asText())
                .isEqualTo("mlcycle/pivot-spark:0.1.0");
    }

    @Test
    void enabledTheOperatorManagesSparkApplicationsAndReadsDriverPods() {
        JsonNode role = enabled.get("ClusterRole", "mlcycle-operator");

        assertThat(verbs(rulesFor(role, "sparkoperator.k8s.io", "sparkapplications")))
                .containsExactlyInAnyOrder("get", "list", "watch", "create", "delete");
        assertThat(verbs(rulesFor(role, "", "pods")))
                .containsExactlyInAnyOrder("get", "list", "watch");
        assertThat(enabled.env("MLCYCLE_SPARK_ENABLED").asText()).isEqualTo("true");
        assertThat(enabled.env("MLCYCLE_SPARK_SERVICE_ACCOUNT").asText())
                .isEqualTo("mlcycle-spark");

        JsonNode perNamespace =
                enabledTwoNamespaces.ofKind("Role").stream()
                        .filter(r -> r.at("/metadata/name").asText().equals("mlcycle-operator"))
                        .findFirst()
                        .orElseThrow();
        assertThat(verbs(rulesFor(perNamespace, "sparkoperator.k8s.io", "sparkapplications")))
                .containsExactlyInAnyOrder("get", "list", "watch", "create", "delete");
    }

    @Test
    void sparkDriversGetAnAccountThatManagesOnlyExecutorPodsServicesAndConfigMaps() {
        JsonNode account = enabled.get("ServiceAccount", "mlcycle-spark");
        assertThat(account.at("/metadata/namespace").asText()).isEqualTo(Chart.NAMESPACE);

        JsonNode role = enabled.get("Role", "mlcycle-spark");
        assertThat(verbs(rulesFor(role, "", "pods")))
                .containsExactlyInAnyOrder(
                        "get", "list", "watch", "create", "delete", "deletecollection");
        for (String resource : List.of("services", "configmaps")) {
            assertThat(verbs(rulesFor(role, "", resource)))
                    .as(resource)
                    .containsExactlyInAnyOrder(
                            "get", "list", "create", "delete", "deletecollection");
        }
        assertThat(role.get("rules")).hasSize(2);
        for (JsonNode rule : role.get("rules")) {
            assertThat(texts(rule.get("apiGroups"))).containsExactly("");
            assertThat(texts(rule.get("resources"))).doesNotContain("secrets", "*");
        }

        JsonNode binding = enabled.get("RoleBinding", "mlcycle-spark");
        assertThat(binding.at("/roleRef/kind").asText()).isEqualTo("Role");
        assertThat(binding.at("/roleRef/name").asText()).isEqualTo("mlcycle-spark");
        assertThat(binding.at("/subjects/0/name").asText()).isEqualTo("mlcycle-spark");
        assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo(Chart.NAMESPACE);
        // The runtime account (executors, pivot, trainer, server pods) stays without permissions.
        for (JsonNode b : enabled.ofKind("RoleBinding")) {
            assertThat(texts(b.get("subjects"), "name")).doesNotContain("mlcycle-runtime");
        }
    }

    @Test
    void theDriverAccountExistsInEveryNamespaceWhereFeatureViewsRun() {
        for (String kind : List.of("ServiceAccount", "Role", "RoleBinding")) {
            assertThat(namespacesOf(enabledTwoNamespaces, kind, "mlcycle-spark"))
                    .as(kind)
                    .containsExactly("a", "b");
        }
    }

    @Test
    void installNotesSayWhatTheSparkEngineNeeds() {
        String enabledNotes = notes(true);
        assertThat(enabledNotes)
                .contains("FeatureView engine spark is enabled")
                .contains("ServiceAccount \"mlcycle-spark\"")
                .contains("sparkapplications.sparkoperator.k8s.io");
        assertThat(notes(false)).doesNotContain("engine spark");
    }

    private static String notes(boolean sparkEnabled) {
        Release release =
                new Helm(Chart.DIR)
                        .install()
                        .withName(Chart.RELEASE)
                        .withNamespace(Chart.NAMESPACE)
                        .set("spark.enabled", sparkEnabled)
                        .dryRun()
                        .clientOnly()
                        .call();
        return release.getOutput().substring(release.getOutput().indexOf("NOTES:"));
    }
}
