package io.mlcycle.local;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.testing.EndToEndTier;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Feature compatibility in local mode with the real pivot, trainer and server: v1 is trained on a
 * view, the view's keys are renamed (a prefix), v2 is trained on the new table and served; rolled
 * back, v2 is not replaced by v1 while the table lacks v1's features (the status names them), and
 * v1 serves again once the view's keys are named as before. (Restoring the earlier definition
 * exactly would not pivot again: the view has already materialized that spec for that as-of.)
 */
@EndToEndTier
class FeatureCompatibilityE2E {

    static final String NS = "default";
    static final String VIEW = "compat-events";
    static final String MODEL = "compat-model";
    static final String MD = "compat-serving";
    static final String AS_OF = "2026-11-20";

    static final String DEPLOYMENT = SmallChain.deployment(MD, MODEL, "");

    /** A logistic run on the view, with SHAP: its version records the features it uses. */
    static String training(String name) {
        return SmallChain.trainingRun(name, MODEL, VIEW)
                .replace("algorithm: resnet", "algorithm: logistic")
                .replace("method: none", "method: shap");
    }

    /**
     * The view at its {@code maxFeatures} most supported keys (few enough for the pivot's summary
     * to list its columns), with {@code prefix}, when not null, before every column name.
     */
    static String view(String prefix, int maxFeatures) {
        return SmallChain.featureView(VIEW, AS_OF)
                .replace(
                        "    aggregate: sum\n",
                        "    aggregate: sum\n    maxFeatures: "
                                + maxFeatures
                                + "\n"
                                + (prefix == null ? "" : "    prefix: " + prefix + "\n"));
    }

    @Test
    void aRolledBackVersionGoesToV1OnlyWhileTheTableHoldsV1sFeatures() throws Exception {
        LocalCluster.Options o = SmallChain.options("local/target/e2e-compat");
        try (LocalCluster cluster = LocalCluster.start(o)) {
            KubernetesClient client = cluster.client();
            apply(
                    cluster,
                    o.workDir(),
                    "chain.yaml",
                    view(null, 30)
                            + "---\n"
                            + training("compat-training-1")
                            + "---\n"
                            + DEPLOYMENT);
            awaitServed(cluster, 1);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> v1Features =
                    (List<Map<String, Object>>)
                            field(
                                    client,
                                    "ModelVersion",
                                    MODEL + "-v1",
                                    "spec",
                                    "featureSchema",
                                    "features");
            assertThat(v1Features).isNotEmpty();
            String v1Top = (String) v1Features.get(0).get("name");
            // the trainer names a feature <view>/<column>
            assertThat(v1Top).startsWith(VIEW + "/");
            assertThat(columns(client)).contains(v1Top.substring(VIEW.length() + 1));

            apply(cluster, o.workDir(), "renamed.yaml", view("renamed_", 30));
            awaitState(
                    cluster,
                    "the renamed table of " + VIEW,
                    () ->
                            !columns(client).isEmpty()
                                    && columns(client).stream()
                                            .allMatch(c -> c.startsWith("renamed_")));
            apply(cluster, o.workDir(), "training-2.yaml", training("compat-training-2"));
            awaitServed(cluster, 2);

            // roll v2 back (as an analysis or a person marks it): v1's features are gone
            client.genericKubernetesResources(ResourceTable.API_VERSION, "ModelVersion")
                    .inNamespace(NS)
                    .withName(MODEL + "-v2")
                    .edit(
                            r -> {
                                Map<String, String> marks = new LinkedHashMap<>();
                                if (r.getMetadata().getAnnotations() != null) {
                                    marks.putAll(r.getMetadata().getAnnotations());
                                }
                                marks.put("mlcycle.io/rolled-back", "worse online");
                                r.getMetadata().setAnnotations(marks);
                                return r;
                            });
            awaitState(
                    cluster,
                    "v1 refused for its missing features",
                    () -> {
                        Map<String, Object> c = condition(client, "FeatureCompatible");
                        return c != null
                                && "False".equals(c.get("status"))
                                && String.valueOf(c.get("message")).startsWith("refused v1");
                    });
            assertThat(field(client, "ModelDeployment", MD, "status", "currentVersion"))
                    .isEqualTo(2);
            assertThat(String.valueOf(condition(client, "FeatureCompatible").get("message")))
                    .contains("missing " + v1Top + " (")
                    .contains("serving v2");

            // the view's keys named as before (and ten more of them): its table holds v1's
            // features again
            apply(cluster, o.workDir(), "restored.yaml", view(null, 40));
            awaitServed(cluster, 1);
            assertThat(condition(client, "FeatureCompatible"))
                    .containsEntry("status", "True")
                    .containsEntry("reason", "FeaturesPresent");
        }
    }

    static void apply(LocalCluster cluster, Path work, String file, String yaml)
            throws java.io.IOException {
        Path p = work.resolve(file);
        Files.writeString(p, yaml);
        cluster.apply(p);
    }

    static void awaitServed(LocalCluster cluster, int version) {
        KubernetesClient client = cluster.client();
        awaitState(
                cluster,
                "v" + version + " served",
                () ->
                        Integer.valueOf(version)
                                        .equals(
                                                field(
                                                        client,
                                                        "ModelDeployment",
                                                        MD,
                                                        "status",
                                                        "currentVersion"))
                                && "Available"
                                        .equals(
                                                field(
                                                        client,
                                                        "ModelDeployment",
                                                        MD,
                                                        "status",
                                                        "phase")));
    }

    @SuppressWarnings("unchecked")
    static List<String> columns(KubernetesClient client) {
        Object c = field(client, "FeatureView", VIEW, "status", "latest", "columns");
        return c == null ? List.of() : (List<String>) c;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> condition(KubernetesClient client, String type) {
        Object list = field(client, "ModelDeployment", MD, "status", "conditions");
        if (!(list instanceof List<?> l)) {
            return null;
        }
        return l.stream()
                .map(c -> (Map<String, Object>) c)
                .filter(c -> type.equals(c.get("type")))
                .findFirst()
                .orElse(null);
    }

    static Object field(KubernetesClient client, String kind, String name, String... path) {
        return E2eSetup.field(client, NS, kind, name, path);
    }

    static void awaitState(
            LocalCluster cluster, String what, java.util.concurrent.Callable<Boolean> c) {
        E2eSetup.awaitState(cluster, what, Duration.ofMinutes(4), Duration.ofMillis(500), c);
    }
}
