package io.mlcycle.operator.trainingrun;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.IcebergCatalog;
import io.mlcycle.operator.api.featureview.StoreFormat;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.featureview.IcebergCatalogs;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.UnitTier;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class TrainTasksTest {

    private static final FeatureResolver.Resolution INPUTS =
            new FeatureResolver.Resolution(
                    "2026-11-18",
                    List.of(
                            new FeatureInput(
                                    "events",
                                    "2026-11-18",
                                    "file:///data/features/events/asOf=2026-11-18/")),
                    "user_id",
                    null);

    private static TrainingRun run(TrainingRunSpec spec) {
        TrainingRun tr = new TrainingRun();
        tr.setMetadata(new ObjectMetaBuilder().withName("ret").withNamespace("ml").build());
        spec.model = "return-predictor";
        TrainingRunSpec.FeatureRef ref = new TrainingRunSpec.FeatureRef();
        ref.featureView = "events";
        spec.features = List.of(ref);
        spec.labels = new TrainingRunSpec.Labels();
        spec.labels.uri = "file:///data/labels/dt={date}/";
        spec.labels.column = "returned";
        tr.setSpec(spec);
        return tr;
    }

    @Test
    void defaultSpecTrainsAutoWithLogScalingConstantRateAndEarlyStopping() {
        TrainTask task = TrainTasks.task(run(new TrainingRunSpec()), INPUTS, 1, "file:///m/");

        assertThat(task.algorithm()).isEqualTo("auto");
        assertThat(task.search()).isEqualTo(new TrainTask.Search("grid", 10, null));
        assertThat(task.preprocessing().scaling()).isEqualTo("log");
        assertThat(task.hyperparameters().learningRateSchedule()).containsExactly("constant");
        assertThat(task.earlyStopping()).isEqualTo(new TrainTask.EarlyStopping(0.1, 2));
        assertThat(task.labels().uri()).isEqualTo("file:///data/labels/dt=2026-11-18/");
    }

    @Test
    void xgboostAndTheSearchSectionReachTheTask() {
        TrainingRunSpec spec = new TrainingRunSpec();
        spec.algorithm = TrainingRunSpec.Algorithm.xgboost;
        spec.search = new TrainingRunSpec.Search();
        spec.search.method = TrainingRunSpec.SearchMethod.halving;
        spec.search.budget = "10m";

        TrainTask task = TrainTasks.task(run(spec), INPUTS, 1, "file:///m/");

        assertThat(task.algorithm()).isEqualTo("xgboost");
        assertThat(task.search()).isEqualTo(new TrainTask.Search("halving", 10, "10m"));
    }

    @Test
    void minmaxScalingScheduleAxisAndEarlyStoppingReachTheTask() {
        TrainingRunSpec spec = new TrainingRunSpec();
        spec.preprocessing = new TrainingRunSpec.Preprocessing();
        spec.preprocessing.scaling = TrainingRunSpec.Scaling.minmax;
        spec.hyperparameters = new TrainingRunSpec.Hyperparameters();
        spec.hyperparameters.learningRateSchedule =
                List.of(
                        TrainingRunSpec.LearningRateSchedule.constant,
                        TrainingRunSpec.LearningRateSchedule.cosine);
        spec.earlyStopping = new TrainingRunSpec.EarlyStopping();
        spec.earlyStopping.patience = 3;

        TrainTask task = TrainTasks.task(run(spec), INPUTS, 2, "file:///m/");

        assertThat(task.preprocessing().scaling()).isEqualTo("minmax");
        assertThat(task.hyperparameters().learningRateSchedule())
                .containsExactly("constant", "cosine");
        assertThat(task.earlyStopping().patience()).isEqualTo(3);
        assertThat(task.earlyStopping().validationFraction()).isEqualTo(0.1);
        assertThat(task.outputUri()).isEqualTo("file:///m/return-predictor/v2/");
    }

    @Test
    void earlyStoppingSwitchedOffTrainsEveryEpoch() {
        TrainingRunSpec spec = new TrainingRunSpec();
        spec.earlyStopping = new TrainingRunSpec.EarlyStopping();
        spec.earlyStopping.enabled = false;

        assertThat(TrainTasks.task(run(spec), INPUTS, 1, "file:///m/").earlyStopping()).isNull();
    }

    @Test
    void aTrainingPodGetsTheCredentialsOfItsIcebergViewsCatalogAsSecretReferences() {
        FeatureView fv = Fixtures.featureView("events");
        fv.getSpec().store.format = StoreFormat.iceberg;
        fv.getSpec().store.catalog = new IcebergCatalog();
        fv.getSpec().store.catalog.type = IcebergCatalog.Type.jdbc;
        fv.getSpec().store.catalog.uri = "jdbc:postgresql://pg:5432/lake";
        fv.getSpec().store.catalog.credentialsSecret = new FeatureViewSpec.SecretRef();
        fv.getSpec().store.catalog.credentialsSecret.name = "lake-catalog";
        FeatureInput iceberg =
                new FeatureInput(
                        "events", "2026-11-18", "file:///x/", IcebergCatalogs.catalog(fv), null);
        TrainTask task =
                TrainTasks.task(
                        run(new TrainingRunSpec()),
                        new FeatureResolver.Resolution(
                                "2026-11-18", List.of(iceberg), "user_id", null),
                        1,
                        "file:///data/models/");

        assertThat(TrainTasks.catalogEnv(task, n -> Optional.of(fv)))
                .extracting(EnvVar::getName, e -> e.getValueFrom().getSecretKeyRef().getName())
                .containsExactly(
                        Tuple.tuple(PodEnv.CATALOG_USER, "lake-catalog"),
                        Tuple.tuple(PodEnv.CATALOG_PASSWORD, "lake-catalog"));
        assertThat(
                        TrainTasks.catalogEnv(
                                TrainTasks.task(
                                        run(new TrainingRunSpec()), INPUTS, 1, "file:///m/"),
                                n -> Optional.of(fv)))
                .isEmpty();
    }
}
