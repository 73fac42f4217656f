package io.mlcycle.local;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.common.ArtifactDigest;
import io.mlcycle.testing.EndToEndTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The registry keeps every model it records, with the real operator and runtimes: two TrainingRuns
 * of one model (logistic and resnet) applied together while the operator is killed after reserving
 * their numbers but before creating their Jobs, then a serving pod restarted after a later training
 * of the model finished. Every version ends distinct, its record (run, metrics, digest) matching
 * the artifact on disk, and the restarted pod serves the version it was given.
 */
@EndToEndTier
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RegistryE2E {

    static final String NS = "default";
    static final String VIEW = "registry-events";
    static final String MODEL = "registry-model";
    static final String LOGISTIC = "registry-logistic";
    static final String RESNET = "registry-resnet";
    static final String SERVING = "registry-serving";
    static final String AS_OF = "2026-11-20";

    static LocalCluster cluster;
    static KubernetesClient client;
    static Path work;
    static long started;

    @BeforeAll
    static void start() throws IOException {
        started = System.nanoTime();
        LocalCluster.Options o = SmallChain.options("local/target/e2e-registry");
        work = o.workDir();
        cluster = LocalCluster.start(o);
        client = cluster.client();
        cluster.watch();
        apply("view.yaml", SmallChain.featureView(VIEW, AS_OF));
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
        System.out.printf("RegistryE2E: %.0f s in all%n", (System.nanoTime() - started) / 1e9);
    }

    @Test
    @Order(1)
    void twoRunsOfOneModelWithTheOperatorKilledAfterReservingTrainDistinctRecordedVersions()
            throws Exception {
        awaitState(
                "FeatureView " + VIEW + " Ready",
                () -> "Ready".equals(field("FeatureView", VIEW, "status", "phase")));
        // Job creations fail from here: the operator reserves the versions but never gets to
        // create their Jobs, as one that dies right after reserving.
        cluster.api()
                .refuseWrites(
                        (method, path) ->
                                "POST".equals(method)
                                        && path.equals(
                                                "/apis/batch/v1/namespaces/" + NS + "/jobs"));
        apply(
                "runs.yaml",
                SmallChain.trainingRun(LOGISTIC, MODEL, VIEW)
                                .replace("algorithm: resnet", "algorithm: logistic")
                        + "---\n"
                        + SmallChain.trainingRun(RESNET, MODEL, VIEW));
        awaitState(
                "two versions of " + MODEL + " reserved",
                () ->
                        versions().size() == 2
                                && versions().values().stream()
                                        .allMatch(
                                                v ->
                                                        "Training"
                                                                .equals(
                                                                        ResourceTable.get(
                                                                                v,
                                                                                "spec",
                                                                                "training",
                                                                                "state"))));
        assertThat(trainingJobs()).isEmpty();

        cluster.restartOperator(LocalCluster.Stop.KILL, () -> cluster.api().acceptAllWrites());

        awaitState(
                "both TrainingRuns Succeeded",
                () ->
                        "Succeeded".equals(field("TrainingRun", LOGISTIC, "status", "phase"))
                                && "Succeeded"
                                        .equals(field("TrainingRun", RESNET, "status", "phase")));
        Map<String, GenericKubernetesResource> versions = versions();
        assertThat(versions.keySet()).containsExactly(MODEL + "-v1", MODEL + "-v2");
        Map<String, String> runOf =
                versions.values().stream()
                        .collect(
                                Collectors.toMap(
                                        v -> v.getMetadata().getName(),
                                        v ->
                                                (String)
                                                        ResourceTable.get(
                                                                v,
                                                                "spec",
                                                                "lineage",
                                                                "trainingRun")));
        assertThat(Set.copyOf(runOf.values())).containsExactlyInAnyOrder(LOGISTIC, RESNET);
        assertThat(
                        trainingJobs().stream()
                                .map(j -> j.getMetadata().getName())
                                .collect(Collectors.toSet()))
                .as("one Job per run, under the number reserved for it before the kill")
                .containsExactlyInAnyOrder(
                        runOf.get(MODEL + "-v1") + "-train-v1-1",
                        runOf.get(MODEL + "-v2") + "-train-v2-1");
        for (int n = 1; n <= 2; n++) {
            assertRecordMatchesArtifact(n, runOf.get(MODEL + "-v" + n));
        }
        assertThat(field("TrainingRun", LOGISTIC, "status", "modelVersion"))
                .isNotEqualTo(field("TrainingRun", RESNET, "status", "modelVersion"));
    }

    @Test
    @Order(2)
    void aServingPodRestartedAfterALaterTrainingServesTheVersionItWasGiven() throws Exception {
        apply("serving.yaml", SmallChain.deployment(SERVING, MODEL, "1", 1, ""));
        awaitState("v1 served", () -> servedVersion().equals("1"));
        String digestV1 = (String) field("ModelVersion", MODEL + "-v1", "spec", "artifactDigest");

        // a later training of the model: v3, by the resnet run asked for one more epoch
        client.genericKubernetesResources(ResourceTable.API_VERSION, "TrainingRun")
                .inNamespace(NS)
                .withName(RESNET)
                .edit(
                        r -> {
                            @SuppressWarnings("unchecked")
                            Map<String, Object> hp =
                                    (Map<String, Object>)
                                            ((Map<String, Object>)
                                                            r.getAdditionalProperties().get("spec"))
                                                    .get("hyperparameters");
                            hp.put("epochs", List.of(7));
                            return r;
                        });
        awaitState(
                MODEL + " v3 trained",
                () ->
                        "Succeeded"
                                .equals(
                                        field(
                                                "ModelVersion",
                                                MODEL + "-v3",
                                                "spec",
                                                "training",
                                                "state")));
        assertRecordMatchesArtifact(3, RESNET);

        // the serving pod dies; the kubelet starts it again from the same pod template
        List<ProcessHandle> servers =
                ProcessHandle.current()
                        .descendants()
                        .filter(
                                p ->
                                        p.info()
                                                .commandLine()
                                                .map(c -> c.contains("server.jar"))
                                                .orElse(false))
                        .toList();
        assertThat(servers).as("serving processes").hasSize(1);
        long oldPid = servers.get(0).pid();
        servers.get(0).destroyForcibly();
        awaitState(
                "the serving pod restarted and ready",
                () ->
                        ProcessHandle.current()
                                        .descendants()
                                        .anyMatch(
                                                p ->
                                                        p.pid() != oldPid
                                                                && p.info()
                                                                        .commandLine()
                                                                        .map(
                                                                                c ->
                                                                                        c.contains(
                                                                                                "server.jar"))
                                                                        .orElse(false))
                                && servedVersion().equals("1"));
        assertThat(ArtifactDigest.of(artifactDir(1))).isEqualTo(digestV1);
        assertThat(field("ModelDeployment", SERVING, "status", "currentVersion")).isEqualTo(1);
        assertThat(versions().keySet())
                .containsExactly(MODEL + "-v1", MODEL + "-v2", MODEL + "-v3");
    }

    /** The version's record names its run, and its metrics and digest are its artifact's. */
    static void assertRecordMatchesArtifact(int n, String run) throws IOException {
        String name = MODEL + "-v" + n;
        Path dir = artifactDir(n);
        assertThat(dir.resolve("_SUCCESS")).exists();
        assertThat(field("ModelVersion", name, "spec", "artifactDigest"))
                .as(name + " digest")
                .isEqualTo(ArtifactDigest.of(dir));
        JsonNode metrics = new ObjectMapper().readTree(dir.resolve("metrics.json").toFile());
        assertThat(((Number) field("ModelVersion", name, "spec", "metrics", "auc")).doubleValue())
                .as(name + " auc")
                .isEqualTo(metrics.get("metrics").get("auc").asDouble());
        JsonNode model = new ObjectMapper().readTree(dir.resolve("model.json").toFile());
        String algorithm = run.equals(LOGISTIC) ? "logistic" : "resnet";
        assertThat(model.get("algorithm").asText()).as(name + " algorithm").isEqualTo(algorithm);
        assertThat(field("ModelVersion", name, "spec", "algorithm")).isEqualTo(algorithm);
        assertThat(field("ModelVersion", name, "spec", "lineage", "trainingRun")).isEqualTo(run);
    }

    static Path artifactDir(int n) {
        return cluster.options().dataRoot().resolve("data/models/" + MODEL + "/v" + n);
    }

    /** The version the serving replica reports over OIP v2 ("" when none is ready). */
    static String servedVersion() throws Exception {
        for (Kubelet.Endpoint e : cluster.kubelet().endpoints()) {
            if (e.ready() && SERVING.equals(e.labels().get("mlcycle.io/modeldeployment"))) {
                HttpResponse<String> r =
                        HttpClient.newHttpClient()
                                .send(
                                        HttpRequest.newBuilder(
                                                        URI.create(
                                                                "http://127.0.0.1:"
                                                                        + e.port()
                                                                        + "/v2/models/"
                                                                        + MODEL))
                                                .timeout(Duration.ofSeconds(5))
                                                .build(),
                                        HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) {
                    return new ObjectMapper().readTree(r.body()).get("versions").get(0).asText();
                }
            }
        }
        return "";
    }

    static Map<String, GenericKubernetesResource> versions() {
        return client
                .genericKubernetesResources(ResourceTable.API_VERSION, "ModelVersion")
                .inNamespace(NS)
                .withLabel("mlcycle.io/model", MODEL)
                .list()
                .getItems()
                .stream()
                .collect(
                        Collectors.toMap(
                                v -> v.getMetadata().getName(), v -> v, (a, b) -> a, TreeMap::new));
    }

    static List<Job> trainingJobs() {
        return client.batch()
                .v1()
                .jobs()
                .inNamespace(NS)
                .withLabel("mlcycle.io/model", MODEL)
                .list()
                .getItems();
    }

    static Object field(String kind, String name, String... path) {
        return E2eSetup.field(client, NS, kind, name, path);
    }

    static void apply(String file, String yaml) throws IOException {
        Path p = work.resolve(file);
        Files.writeString(p, yaml);
        cluster.apply(p);
    }

    static void awaitState(String what, java.util.concurrent.Callable<Boolean> c) {
        E2eSetup.awaitState(cluster, what, Duration.ofMinutes(4), Duration.ofMillis(200), c);
    }
}
