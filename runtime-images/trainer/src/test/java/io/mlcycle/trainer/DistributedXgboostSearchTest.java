package io.mlcycle.trainer;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.model.Algorithm;
import io.mlcycle.task.TrainTask;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Spark trainer's search plan is the pod trainer's, or a clear refusal, never its first. */
@UnitTier
class DistributedXgboostSearchTest {

    @TempDir Path root;

    private TrainTask xgboost(TrainTask.Search search, TrainTask.Hyperparameters hp) {
        return TrainTask.builder()
                .model("m")
                .algorithm("xgboost")
                .hyperparameters(hp)
                .search(search)
                .outputUri(root.resolve("m/v1").toUri().toString())
                .build();
    }

    @Test
    void everySearchOfTheTaskPlansThePodTrainersOneXgboostTrial() throws Exception {
        TrainTask.Hyperparameters many =
                new TrainTask.Hyperparameters(
                        List.of(0.01, 0.1, 0.3),
                        List.of("adam", "sgd"),
                        List.of(5, 50),
                        List.of(64),
                        List.of(32, 64),
                        List.of(2, 4, 8),
                        List.of(0.0),
                        List.of(0.0, 1e-4),
                        List.of("constant"));
        List<TrainTask.Search> searches =
                List.of(
                        new TrainTask.Search("grid", 1, null),
                        new TrainTask.Search("random", 7, "90s"),
                        new TrainTask.Search("halving", 3, "1s"));
        for (TrainTask.Search search : searches) {
            TrainTask t = xgboost(search, many);
            TrainPlan pod = TrainPlan.of(t);
            List<Fit.Params> podPoints =
                    pod.search().points(pod.grids().get(Algorithm.XGBOOST), pod.seed());

            DistributedXgboost.Plan spark = DistributedXgboost.plan(t);

            assertThat(podPoints).as("the pod trainer's xgboost points, %s", search).hasSize(1);
            assertThat(spark.point()).as("%s", search).isEqualTo(podPoints.get(0));
            assertThat(spark.seed()).isEqualTo(pod.seed());
            // depth and rounds are left to the trial's own search, as in the pod trainer
            assertThat(spark.point().toMap().get("maxDepth").toString()).contains("chosen from");
        }
    }

    @Test
    void aSearchOfSeveralPointsIsRefusedNamingTheSearchNotCutToItsFirst() {
        List<Fit.Params> two = List.of(Boosted.point(3, 10), Boosted.point(6, 10));
        TrainTask.Search grid = new TrainTask.Search("grid", 1, null);

        assertThatThrownBy(() -> DistributedXgboost.trial(two, grid))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("search.method 'grid' plans 2 xgboost points")
                .hasMessageContaining("engine pod")
                .satisfies(
                        e ->
                                assertThat(((TaskFailure) e).reason())
                                        .isEqualTo("UnsupportedOnSpark"));
        assertThat(DistributedXgboost.trial(List.of(two.get(1)), grid)).isEqualTo(two.get(1));
    }
}
