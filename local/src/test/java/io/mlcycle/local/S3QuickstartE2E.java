package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.mlcycle.common.FileObjectStore;
import io.mlcycle.common.ObjectDirs;
import io.mlcycle.common.SparseTables;
import io.mlcycle.testing.EndToEndTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * examples/s3-quickstart in local mode: every URI is s3:// on local mode's S3Proxy, started with
 * the keys of the operator's credentials Secret. The pivot reads its partitions from the bucket and
 * publishes its table there, the trainer reads table and labels from it and publishes the model
 * there, and the serving pod loads that model from it and serves.
 */
@EndToEndTier
class S3QuickstartE2E {

    static final String NS = "default";
    static final String VIEW = "item-events-s3";
    static final String MODEL = "return-predictor-s3";

    static LocalCluster cluster;
    static Path lake;

    @BeforeAll
    static void start() {
        Path root = E2eSetup.projectRoot(E2eSetup.CHAIN_JARS);
        Path work = root.resolve("local/target/e2e-s3");
        Path example = root.resolve("examples/s3-quickstart");
        LocalCluster.Options o =
                E2eSetup.freshOptions(root, work, System.out)
                        .withOperatorProperties(QuickstartData.operatorProperties(example));
        for (List<String> args : QuickstartData.generatorRuns(example)) {
            QuickstartData.generate(root, o.dataRoot(), args, work.resolve("logs/generator.log"));
        }
        lake = o.dataRoot().resolve("lake");
        cluster = LocalCluster.start(o);
        cluster.watch();
        cluster.apply(example);
    }

    @AfterAll
    static void stop() {
        if (cluster != null) {
            cluster.close();
        }
    }

    static Object field(String kind, String name, String... path) {
        return E2eSetup.field(cluster.client(), NS, kind, name, path);
    }

    @Test
    void theChainRunsOnS3FromPartitionsToAServedModel() throws Exception {
        E2eSetup.awaitState(
                cluster,
                "the s3 chain done",
                Duration.ofMinutes(4),
                Duration.ofMillis(500),
                () -> Scenario.evaluate(cluster.resources()) instanceof Scenario.Done);

        assertThat(cluster.objectStorage().server()).isNotNull();
        assertThat(field("FeatureView", VIEW, "status", "latest", "uri"))
                .isEqualTo("s3://lake/features/item-events-s3/asOf=2026-11-20/");
        Path table = lake.resolve("features/item-events-s3/asOf=2026-11-20");
        assertThat(table.resolve("_SUCCESS")).exists();
        // the bucket's directory as a reader sees it: the generation its marker names
        Path read = Files.createTempDirectory("s3-table-");
        ObjectDirs.stage(
                new ObjectDirs.Location(
                        new FileObjectStore(lake), "features/item-events-s3/asOf=2026-11-20"),
                read,
                Long.MAX_VALUE,
                "table");
        assertThat(SparseTables.read(read).rows()).isGreaterThan(1000);

        GenericKubernetesResource mv = cluster.resources().get("ModelVersion").get(0);
        String artifact = (String) ResourceTable.get(mv, "spec", "artifactUri");
        assertThat(artifact).isEqualTo("s3://lake/models/return-predictor-s3/v1/");
        assertThat(lake.resolve("models/return-predictor-s3/v1/_SUCCESS")).exists();
        try (Stream<Path> all = Files.walk(lake)) {
            assertThat(all.map(p -> p.getFileName().toString()))
                    .as("no staging prefix left behind")
                    .noneMatch(n -> n.startsWith(".staging-"));
        }

        String url = cluster.services().url(NS, MODEL).orElseThrow() + "/v2/models/" + MODEL;
        HttpResponse<String> meta =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(URI.create(url)).GET().build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(meta.statusCode()).isEqualTo(200);
        assertThat(meta.body()).contains(MODEL);
    }
}
