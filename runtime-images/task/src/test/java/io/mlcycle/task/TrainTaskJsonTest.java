package io.mlcycle.task;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
                new TrainTask(
                        null,
                        "m",
                        2,
                        "user_id",
                        List.of(),
                        null,
                        "resnet",
                        new TrainTask.Hyperparameters(
                                List.of(0.003),
                                null,
                                List.of(8),
                                null,
                                null,
                                null,
                                null,
                                null,
                                List.of("cosine")),
                        new TrainTask.Preprocessing("log", null),
                        null,
                        null,
                        null,
                        null,
                        "auc",
                        "file:///models/m/v2/",
                        new TrainTask.EarlyStopping(0.1, 2));
        assertEquals(task, TaskJson.readTask(TaskJson.write(task)));
    }
}
