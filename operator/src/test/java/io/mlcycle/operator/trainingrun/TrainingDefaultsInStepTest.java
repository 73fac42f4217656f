package io.mlcycle.operator.trainingrun;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.testing.ProjectRoot;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.TrainDefaults;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The training defaults are one set: the committed CRD's schema defaults, {@link TrainDefaults} and
 * the task the operator writes for a TrainingRun that sets nothing agree field by field (the
 * trainer itself defaults nothing: its TrainPlanTest proves it refuses a missing field).
 */
@UnitTier
class TrainingDefaultsInStepTest {

    private static final YAMLMapper YAML = new YAMLMapper();

    /** spec path in the CRD → the default the task contract declares. */
    static Map<String, Object> expected() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("algorithm", TrainDefaults.ALGORITHM);
        m.put("hyperparameters.learningRate", List.of(TrainDefaults.LEARNING_RATE));
        m.put("hyperparameters.optimizer", List.of(TrainDefaults.OPTIMIZER));
        m.put("hyperparameters.epochs", List.of(TrainDefaults.EPOCHS));
        m.put("hyperparameters.batchSize", List.of(TrainDefaults.BATCH_SIZE));
        m.put("hyperparameters.hiddenSize", List.of(TrainDefaults.HIDDEN_SIZE));
        m.put("hyperparameters.blocks", List.of(TrainDefaults.BLOCKS));
        m.put("hyperparameters.dropout", List.of(TrainDefaults.DROPOUT));
        m.put("hyperparameters.weightDecay", List.of(TrainDefaults.WEIGHT_DECAY));
        m.put(
                "hyperparameters.learningRateSchedule",
                List.of(TrainDefaults.LEARNING_RATE_SCHEDULE));
        m.put("preprocessing.scaling", TrainDefaults.SCALING);
        m.put("validation.method", TrainDefaults.VALIDATION_METHOD);
        m.put("validation.testFraction", TrainDefaults.TEST_FRACTION);
        m.put("validation.folds", TrainDefaults.FOLDS);
        m.put("validation.seed", TrainDefaults.SEED);
        m.put("earlyStopping.enabled", TrainDefaults.EARLY_STOPPING);
        m.put("earlyStopping.validationFraction", TrainDefaults.EARLY_STOPPING_FRACTION);
        m.put("earlyStopping.patience", TrainDefaults.PATIENCE);
        m.put("search.method", TrainDefaults.SEARCH_METHOD);
        m.put("search.trials", TrainDefaults.SEARCH_TRIALS);
        m.put("explain.method", TrainDefaults.EXPLAIN_METHOD);
        m.put("explain.samples", TrainDefaults.EXPLAIN_SAMPLES);
        m.put("explain.background", TrainDefaults.EXPLAIN_BACKGROUND);
        m.put("explain.topK", TrainDefaults.EXPLAIN_TOP_K);
        return m;
    }

    @Test
    void theGeneratedCrdDefaultsEveryTrainingFieldToTheContractsValue() throws IOException {
        JsonNode spec = crdSpecSchema();
        Map<String, Object> mismatches = new LinkedHashMap<>();
        expected()
                .forEach(
                        (path, value) -> {
                            JsonNode node = spec;
                            for (String part : path.split("\\.")) {
                                node = node.path("properties").path(part);
                            }
                            Object actual =
                                    node.has("default")
                                            ? YAML.convertValue(node.get("default"), Object.class)
                                            : null;
                            if (!normalized(value).equals(normalized(actual))) {
                                mismatches.put(path, "CRD " + node.get("default") + " vs " + value);
                            }
                        });
        assertThat(mismatches).isEmpty();
    }

    @Test
    void theOperatorsTaskForAnEmptySpecIsTheContractsDefaultTask() {
        TrainingRun tr = new TrainingRun();
        tr.setMetadata(new ObjectMetaBuilder().withName("ret").withNamespace("ml").build());
        TrainingRunSpec spec = new TrainingRunSpec();
        spec.model = "m";
        TrainingRunSpec.FeatureRef ref = new TrainingRunSpec.FeatureRef();
        ref.featureView = "events";
        spec.features = List.of(ref);
        spec.labels = new TrainingRunSpec.Labels();
        spec.labels.uri = "file:///l/";
        spec.labels.column = "y";
        tr.setSpec(spec);
        FeatureResolver.Resolution inputs =
                new FeatureResolver.Resolution(
                        "2026-11-18",
                        List.of(new FeatureInput("events", "2026-11-18", "file:///f/")),
                        "user_id",
                        null);

        TrainTask task = TrainTasks.task(tr, inputs, 1, "file:///m/");

        assertThat(task.algorithm()).isEqualTo(TrainDefaults.ALGORITHM);
        assertThat(task.selectionMetric()).isEqualTo(TrainDefaults.SELECTION_METRIC);
        assertThat(task.hyperparameters()).isEqualTo(TrainDefaults.hyperparameters());
        assertThat(task.preprocessing()).isEqualTo(TrainDefaults.preprocessing());
        assertThat(task.validation()).isEqualTo(TrainDefaults.validation());
        assertThat(task.earlyStopping()).isEqualTo(TrainDefaults.earlyStopping());
        assertThat(task.search()).isEqualTo(TrainDefaults.search());
        assertThat(task.explain()).isEqualTo(TrainDefaults.explain());
    }

    private static JsonNode crdSpecSchema() throws IOException {
        JsonNode crd =
                YAML.readTree(
                        Files.readString(
                                ProjectRoot.get()
                                        .resolve("crds")
                                        .resolve("trainingruns.mlcycle.io-v1.yml")));
        return crd.path("spec")
                .path("versions")
                .path(0)
                .path("schema")
                .path("openAPIV3Schema")
                .path("properties")
                .path("spec");
    }

    /** Numbers compared as doubles (YAML's 10 and Java's 10L are the same default). */
    private static Object normalized(Object v) {
        if (v instanceof Number n) {
            return n.doubleValue();
        }
        if (v instanceof List<?> l) {
            return l.stream().map(TrainingDefaultsInStepTest::normalized).toList();
        }
        return v;
    }
}
