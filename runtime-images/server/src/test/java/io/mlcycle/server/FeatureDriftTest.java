package io.mlcycle.server;

import io.mlcycle.common.SparseTables;
import io.mlcycle.model.FeatureStatistics;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static io.mlcycle.server.Http.labels;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * A real server (HTTP on loopback) with a model that carries training statistics counts what it
 * serves into the training bins and exports both.
 */
@UnitTier
class FeatureDriftTest {

    private static final String DEPLOYMENT = "churn-drift";
    private static InferenceServer server;
    private static Http http;
    private static FeatureStatistics training;

    @BeforeAll
    static void start() throws java.io.IOException {
        ModelSlot slot = new ModelSlot();
        assertThat(slot.load(() -> ArtifactModel.load(TestModels.artifact()))).isTrue();
        training = FeatureStatistics.read(TestModels.artifact()).orElseThrow();
        InferenceServer.Config c = OipMessages.config(64 * 1024, 1000);
        server =
                TestModels.server(
                                new InferenceServer.Config(
                                        DEPLOYMENT,
                                        c.model(),
                                        c.version(),
                                        c.bindAddress(),
                                        c.port(),
                                        c.grpcPort(),
                                        c.maxBodyBytes(),
                                        c.maxRowsPerRequest(),
                                        c.feedbackWindow(),
                                        c.threads()),
                                slot)
                        .start();
        http = new Http(server.port());
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static double bin(String metrics, int feature, String bin) {
        return Http.sample(
                metrics,
                "mlcycle_feature_bin_total",
                labels(
                        "bin",
                        bin,
                        "deployment",
                        DEPLOYMENT,
                        "feature",
                        TestModels.feature(feature),
                        "version",
                        String.valueOf(TestModels.VERSION)));
    }

    /** Served counts of one feature since {@code before}: [absent, bin 0, bin 1, …]. */
    private static double[] served(String before, String after, int feature) {
        int bins = training.features().get(feature).fractions().length;
        double[] out = new double[bins + 1];
        out[0] = bin(after, feature, "absent") - bin(before, feature, "absent");
        for (int b = 0; b < bins; b++) {
            out[b + 1] = bin(after, feature, "" + b) - bin(before, feature, "" + b);
        }
        return out;
    }

    private static String infer(List<SparseTables.Row> rows) {
        String before = http.get("/metrics").body();
        Http.Response r = http.post("/v2/models/churn/infer", OipMessages.denseBody("d", rows));
        assertThat(r.status()).as(r.body()).isEqualTo(200);
        return before;
    }

    @Test
    void trainingSharesOfEveryFeatureAreExportedAndSumToOne() {
        String metrics = http.get("/metrics").body();
        for (int j = 0; j < TestModels.FEATURES; j++) {
            double[] expected = training.features().get(j).expected();
            double sum = 0;
            for (int b = 0; b < expected.length; b++) {
                String label = b == 0 ? "absent" : String.valueOf(b - 1);
                double share =
                        Http.sample(
                                metrics,
                                "mlcycle_feature_training_share",
                                labels(
                                        "bin",
                                        label,
                                        "deployment",
                                        DEPLOYMENT,
                                        "feature",
                                        TestModels.feature(j),
                                        "version",
                                        String.valueOf(TestModels.VERSION)));
                assertThat(share).isCloseTo(expected[b], within(1e-9));
                sum += share;
            }
            assertThat(sum).isCloseTo(1.0, within(1e-9));
        }
    }

    @Test
    void servedRowsLikeTheTrainingOnesFallIntoTheBinsInTheTrainingShares() {
        List<SparseTables.Row> rows = TestModels.rows(800, 99);
        String before = infer(rows);
        String after = http.get("/metrics").body();
        for (int j = 0; j < TestModels.FEATURES; j++) {
            double[] served = served(before, after, j);
            double[] expected = training.features().get(j).expected();
            assertThat(java.util.Arrays.stream(served).sum()).isEqualTo(rows.size());
            for (int b = 0; b < served.length; b++) {
                assertThat(served[b] / rows.size())
                        .as("feature %d bin %d", j, b - 1)
                        .isCloseTo(expected[b], within(0.1));
            }
        }
    }

    @Test
    void aShiftedDistributionMovesTheCountsOfTheShiftedFeaturesOnly() {
        // e0 five times larger than anything in training, e3 never sent
        List<SparseTables.Row> rows = new ArrayList<>();
        for (SparseTables.Row r : TestModels.rows(400, 5)) {
            List<Integer> idx = new ArrayList<>();
            List<Float> val = new ArrayList<>();
            for (int k = 0; k < r.indices().length; k++) {
                int j = r.indices()[k];
                if (j != 3) {
                    idx.add(j);
                    val.add(j == 0 ? r.values()[k] * 5 + 10 : r.values()[k]);
                }
            }
            float[] v = new float[val.size()];
            for (int k = 0; k < v.length; k++) {
                v[k] = val.get(k);
            }
            rows.add(
                    new SparseTables.Row(
                            r.entity(), idx.stream().mapToInt(Integer::intValue).toArray(), v));
        }
        String before = infer(rows);
        String after = http.get("/metrics").body();

        double[] e0 = served(before, after, 0);
        double present = rows.size() - e0[0];
        assertThat(present).isPositive();
        assertThat(e0[e0.length - 1]).as("every present e0 in the top bin").isEqualTo(present);
        double[] e3 = served(before, after, 3);
        assertThat(e3[0]).as("e3 absent in every row").isEqualTo(rows.size());
        double[] e1 = served(before, after, 1);
        assertThat(e1[0] / rows.size())
                .isCloseTo(training.features().get(1).expected()[0], within(0.1));
    }
}
