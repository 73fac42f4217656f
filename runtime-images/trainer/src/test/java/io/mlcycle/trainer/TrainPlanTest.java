package io.mlcycle.trainer;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.TrainDefaults;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The trainer takes every setting from the task and refuses one that is missing, by name. */
@UnitTier
class TrainPlanTest {

    private static TrainTask.Builder complete() {
        return TrainTask.builder().model("m").outputUri("file:///tmp/m/v1/");
    }

    private static TrainTask withExplain(TrainTask t, TrainTask.Explain explain) {
        return new TrainTask(
                t.owner(),
                t.model(),
                t.version(),
                t.entity(),
                t.features(),
                t.labels(),
                t.algorithm(),
                t.hyperparameters(),
                t.preprocessing(),
                t.validation(),
                explain,
                t.select(),
                t.threshold(),
                t.selectionMetric(),
                t.outputUri(),
                t.earlyStopping(),
                t.search());
    }

    @Test
    void theDefaultTaskResolvesToTheContractsDefaultsAndNothingElse() {
        TrainPlan plan = TrainPlan.of(complete().build());

        assertTrue(plan.auto());
        assertEquals(TrainDefaults.SELECTION_METRIC, plan.metricName());
        assertEquals(TrainDefaults.validation(), plan.validation());
        assertEquals(TrainDefaults.SEARCH_METHOD, plan.search().method());
        assertEquals(TrainDefaults.SEARCH_TRIALS, plan.search().trials());
        assertEquals(TrainDefaults.PATIENCE, plan.stop().patience());
        assertEquals(TrainDefaults.EARLY_STOPPING_FRACTION, plan.stop().validationFraction());
        Fit.Params resnet = plan.grids().get(io.mlcycle.model.Algorithm.RESNET).get(0);
        assertEquals(TrainDefaults.HIDDEN_SIZE, resnet.hiddenSize());
        assertEquals(TrainDefaults.EPOCHS, resnet.epochs());
        assertEquals(TrainDefaults.BATCH_SIZE, resnet.batchSize());
        assertEquals(TrainDefaults.BLOCKS, resnet.blocks());
    }

    @Test
    void aTaskWithoutTheHiddenSizeIsRefusedNamingTheField() {
        TrainTask.Hyperparameters h = TrainDefaults.hyperparameters();
        TrainTask t = complete().build();
        TrainTask missing =
                new TrainTask(
                        t.owner(),
                        t.model(),
                        t.version(),
                        t.entity(),
                        t.features(),
                        t.labels(),
                        t.algorithm(),
                        new TrainTask.Hyperparameters(
                                h.learningRate(),
                                h.optimizer(),
                                h.epochs(),
                                h.batchSize(),
                                List.of(),
                                h.blocks(),
                                h.dropout(),
                                h.weightDecay(),
                                h.learningRateSchedule()),
                        t.preprocessing(),
                        t.validation(),
                        t.explain(),
                        t.select(),
                        t.threshold(),
                        t.selectionMetric(),
                        t.outputUri(),
                        t.earlyStopping(),
                        t.search());

        TaskFailure e = assertThrows(TaskFailure.class, () -> TrainPlan.of(missing));

        assertEquals("MissingField", e.reason());
        assertTrue(e.getMessage().contains("hyperparameters.hiddenSize"), e.getMessage());
    }

    @Test
    void aTaskWithoutExplainSamplesIsRefusedInsteadOfExplainingADefaultNumberOfRows() {
        TrainTask t = withExplain(complete().build(), new TrainTask.Explain("shap", null, 100, 50));

        TaskFailure e = assertThrows(TaskFailure.class, () -> TrainPlan.of(t));

        assertTrue(e.getMessage().contains("explain.samples"), e.getMessage());
    }

    @Test
    void algorithmEnsembleComparesAutosLearnersAndAnUnknownOneNamesEnsembleAmongTheChoices() {
        TrainPlan ensemble = TrainPlan.of(complete().algorithm("ensemble").build());
        assertTrue(ensemble.auto());
        assertTrue(ensemble.ensemble());
        assertEquals(Trainer.AUTO, ensemble.learners());
        TrainPlan auto = TrainPlan.of(complete().algorithm("auto").build());
        assertTrue(auto.auto() && !auto.ensemble());
        TaskFailure e =
                assertThrows(
                        TaskFailure.class,
                        () -> TrainPlan.of(complete().algorithm("forest").build()));
        assertEquals("UnknownAlgorithm", e.reason());
        assertTrue(e.getMessage().contains("'forest'") && e.getMessage().contains("ensemble"));
    }

    @Test
    void earlyStoppingLeftOutMeansEveryEpochTrains() {
        assertNull(TrainPlan.of(complete().earlyStopping(null).build()).stop());
    }
}
