package io.mlcycle.trainer;

import io.mlcycle.task.TaskJson;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Curves and the model card page the trainer publishes next to every model. */
@UnitTier
class ModelCardTest {

    @TempDir static Path root;
    static PlantedData data;

    @BeforeAll
    static void plant() throws Exception {
        data = PlantedData.write(root, 1000, 300, 5);
    }

    static TrainTask task(Path out) {
        return data.logistic(out, 3, 0.05);
    }

    @Test
    void aPerfectRankingsRocPassesThroughTheTopLeftCornerAndItsPrStaysAtPrecisionOne() {
        float[] scores = {0.9f, 0.8f, 0.7f, 0.3f, 0.2f, 0.1f};
        int[] labels = {1, 1, 1, 0, 0, 0};
        Map<String, Object> c = ModelCard.curves(scores, labels, 50);
        @SuppressWarnings("unchecked")
        List<double[]> roc = (List<double[]>) c.get("roc");
        assertThat(roc.get(0)).containsExactly(0, 0);
        assertThat(roc).anySatisfy(p -> assertThat(p).containsExactly(0, 1));
        assertThat(roc.get(roc.size() - 1)).containsExactly(1, 1);
        @SuppressWarnings("unchecked")
        List<double[]> pr = (List<double[]>) c.get("pr");
        assertThat(pr.subList(0, 3)).allSatisfy(p -> assertThat(p[1]).isEqualTo(1.0));
    }

    @Test
    void tiedScoresMoveTogetherAndLongCurvesAreThinned() {
        float[] tied = {0.5f, 0.5f, 0.5f, 0.5f};
        int[] labels = {1, 0, 1, 0};
        @SuppressWarnings("unchecked")
        List<double[]> roc = (List<double[]>) ModelCard.curves(tied, labels, 50).get("roc");
        assertThat(roc).hasSize(2);
        assertThat(roc.get(1)).containsExactly(1, 1);

        int n = 5000;
        float[] scores = new float[n];
        int[] many = new int[n];
        for (int i = 0; i < n; i++) {
            scores[i] = i / (float) n;
            many[i] = i % 3 == 0 ? 1 : 0;
        }
        assertThat((List<?>) ModelCard.curves(scores, many, 50).get("roc")).hasSize(50);
    }

    @Test
    void theTrainerPublishesACardWithItsMetricsCurvesConfusionMatrixFeaturesAndLineage()
            throws Exception {
        Path out = root.resolve("models/return-predictor/v3");
        Trainer.run(task(out));
        String html = Files.readString(out.resolve(ModelCard.FILE));
        @SuppressWarnings("unchecked")
        Map<String, Object> metricsJson =
                TaskJson.MAPPER.readValue(out.resolve(Trainer.METRICS).toFile(), Map.class);
        @SuppressWarnings("unchecked")
        Map<String, Object> metrics = (Map<String, Object>) metricsJson.get("metrics");
        @SuppressWarnings("unchecked")
        Map<String, Object> confusion = (Map<String, Object>) metrics.get("confusionMatrix");

        assertThat(html)
                .startsWith("<!DOCTYPE html>")
                .contains("Model card: return-predictor v3")
                .contains(
                        String.format(
                                java.util.Locale.ROOT,
                                "data-metric=\"auc\">%.4f<",
                                ((Number) metrics.get("auc")).doubleValue()))
                .contains("<td class=\"tp\">" + confusion.get("truePositives") + "</td>")
                .contains("<td class=\"tn\">" + confusion.get("trueNegatives") + "</td>")
                .contains("<svg id=\"roc\"", "<svg id=\"pr\"", "class=\"curve\"")
                .contains(data.input().uri())
                .contains(data.labels.toString())
                .doesNotContain("<script");
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> top = (List<Map<String, Object>>) metricsJson.get("topFeatures");
        assertThat(top).isNotEmpty();
        assertThat(html).contains(ModelCard.esc(top.get(0).get("name")));
        assertThat(((Map<?, ?>) metricsJson.get("curves")).keySet().stream().map(String::valueOf))
                .containsExactly("roc", "pr");
    }

    @Test
    void namesAreEscaped() {
        assertThat(ModelCard.esc("<script>alert(\"x\")</script>&"))
                .isEqualTo("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;");
    }
}
