package io.mlcycle.operator.analysis;

import io.mlcycle.operator.analysis.PrometheusClient.Series;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class SkewTest {

    private static final String[] BINS = {"absent", "0", "1", "2"};
    private static final double[] TRAINING = {0.4, 0.2, 0.2, 0.2};

    private static List<Series> training(String... features) {
        List<Series> out = new ArrayList<>();
        for (String f : features) {
            for (int b = 0; b < BINS.length; b++) {
                out.add(new Series(Map.of("feature", f, "bin", BINS[b]), TRAINING[b]));
            }
        }
        return out;
    }

    private static void served(List<Series> out, String feature, double... counts) {
        for (int b = 0; b < counts.length; b++) {
            out.add(new Series(Map.of("feature", feature, "bin", BINS[b]), counts[b]));
        }
    }

    @Test
    void theTrainingDistributionServedAgainHasNoSkew() {
        List<Series> s = new ArrayList<>();
        served(s, "a", 400, 200, 200, 200);
        served(s, "b", 40, 20, 20, 20);

        QueryResult r = Skew.judge(s, training("a", "b"));

        assertThat(((QueryResult.Value) r).value()).isLessThan(1e-6);
    }

    @Test
    void theLargestFeaturePsiIsTheValueAndTheMostDriftedFeaturesAreNamedInOrder() {
        List<Series> s = new ArrayList<>();
        served(s, "steady", 400, 200, 200, 200);
        served(s, "shifted", 0, 0, 0, 1000); // always present, always in the top bin
        served(s, "missing", 1000, 0, 0, 0); // never present
        served(s, "slight", 450, 150, 200, 200);

        QueryResult.Value v =
                (QueryResult.Value)
                        Skew.judge(s, training("steady", "shifted", "missing", "slight"));

        // PSI of "shifted": Σ (a − e)·ln(a / e) with a = (0, 0, 0, 1) and e = (0.4, 0.2, 0.2, 0.2)
        double e = Skew.EPSILON;
        double expected =
                (e - 0.4 - e) * Math.log(e / (0.4 + e))
                        + 2 * (e - 0.2 - e) * Math.log(e / (0.2 + e))
                        + (1 + e - 0.2 - e) * Math.log((1 + e) / (0.2 + e));
        assertThat(v.value()).isCloseTo(expected, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(v.detail()).startsWith("most drifted: shifted (PSI ");
        assertThat(v.detail()).contains("missing (PSI").contains("slight (PSI");
        assertThat(v.detail().indexOf("missing")).isLessThan(v.detail().indexOf("slight"));
        assertThat(v.detail()).doesNotContain("steady");
    }

    @Test
    void withoutTrainingStatisticsOrServedRowsItIsInconclusive() {
        assertThat(Skew.judge(List.of(), List.of()))
                .isInstanceOf(QueryResult.Inconclusive.class)
                .extracting(r -> ((QueryResult.Inconclusive) r).reason())
                .asString()
                .contains("no training statistics");
        assertThat(Skew.judge(List.of(), training("a")))
                .isEqualTo(QueryResult.inconclusive("no rows served in the window"));
    }

    @Test
    void aVectorAnswerKeepsEachSeriesLabels() {
        PrometheusClient.Vector v =
                PrometheusClient.parseVector(
                        200,
                        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
                                + "{\"metric\":{\"feature\":\"a\",\"bin\":\"0\"},\"value\":[1,\"3\"]},"
                                + "{\"metric\":{\"feature\":\"a\",\"bin\":\"absent\"},\"value\":[1,\"NaN\"]}"
                                + "]}}");
        assertThat(v.failure()).isNull();
        assertThat(v.series()).containsExactly(new Series(Map.of("feature", "a", "bin", "0"), 3));
        assertThat(
                        PrometheusClient.parseVector(
                                        503, "{\"status\":\"error\",\"error\":\"busy\"}")
                                .failure())
                .isNotNull();
    }
}
