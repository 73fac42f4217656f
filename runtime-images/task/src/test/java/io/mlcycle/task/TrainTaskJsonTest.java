package io.mlcycle.task;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@UnitTier
class TrainTaskJsonTest {

    @Test
    void trainTaskWithoutEarlyStoppingOrScheduleReadsAsTodaysBehaviour() {
        TrainTask task =
                (TrainTask)
                        TaskJson.readTask(
                                "{\"kind\":\"train\",\"model\":\"m\",\"version\":1,"
                                        + "\"hyperparameters\":{\"learningRate\":[0.001]}}");
        assertNull(task.earlyStopping());
        assertNull(task.hyperparameters().learningRateSchedule());
    }

    @Test
    void earlyStoppingScheduleAndLogScalingRoundTrip() {
        TrainTask task =
                TrainTask.builder()
                        .model("m")
                        .version(2)
                        .entity("user_id")
                        .features(List.of())
                        .algorithm("resnet")
                        .hyperparameters(
                                new TrainTask.Hyperparameters(
                                        List.of(0.003),
                                        null,
                                        List.of(8),
                                        null,
                                        null,
                                        null,
                                        null,
                                        null,
                                        List.of("cosine")))
                        .preprocessing(new TrainTask.Preprocessing("log", null))
                        .validation(null)
                        .explain(null)
                        .selectionMetric("auc")
                        .outputUri("file:///models/m/v2/")
                        .earlyStopping(new TrainTask.EarlyStopping(0.1, 2))
                        .build();
        assertEquals(task, TaskJson.readTask(TaskJson.write(task)));
    }
}
