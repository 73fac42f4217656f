package io.mlcycle.server;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.ServeTask;
import io.mlcycle.task.Task;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class ServeConfigTest {

    private static ServeTask task(String model, int port, int maxBody, int maxRows, int window) {
        return new ServeTask(
                new Task.Owner("ModelDeployment", "ml", "d"),
                "d",
                model,
                2,
                "file:///models/m/v2/",
                port,
                maxBody,
                maxRows,
                window,
                null,
                null,
                null);
    }

    @Test
    void limitsLeftAtZeroTakeDefaultsAndTheBindAddressComesFromTheEnvironment() {
        InferenceServer.Config c =
                Serve.config(task("m", 8080, 0, 0, 0), Map.of(Serve.BIND_ENV, "127.0.0.1"));
        assertThat(c.bindAddress()).isEqualTo("127.0.0.1");
        assertThat(c.maxBodyBytes()).isEqualTo(Serve.DEFAULT_MAX_BODY_BYTES);
        assertThat(c.maxRowsPerRequest()).isEqualTo(Serve.DEFAULT_MAX_ROWS);
        assertThat(c.feedbackWindow()).isEqualTo(Serve.DEFAULT_FEEDBACK_WINDOW);
        assertThat(c.grpcPort()).as("a free port unless the pod names one").isZero();
        assertThat(
                        Serve.config(task("m", 0, 0, 0, 0), Map.of(Serve.GRPC_PORT_ENV, "8081"))
                                .grpcPort())
                .isEqualTo(8081);
        assertThat(Serve.config(task("m", 0, 10, 5, 7), Map.of()).bindAddress())
                .isEqualTo("0.0.0.0");
    }

    @Test
    void badSettingsAreRefusedNamingTheField() {
        assertThatThrownBy(() -> Serve.config(task("m", 70000, 0, 0, 0), Map.of()))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("port 70000");
        assertThatThrownBy(() -> Serve.config(task("m", 0, -1, 0, 0), Map.of()))
                .hasMessageContaining("maxBodyBytes -1");
        assertThatThrownBy(() -> Serve.config(task(" ", 0, 0, 0, 0), Map.of()))
                .hasMessageContaining("model is empty");
        assertThatThrownBy(
                        () -> Serve.config(task("m", 0, 0, 0, 0), Map.of(Serve.THREADS_ENV, "x")))
                .hasMessageContaining(Serve.THREADS_ENV);
        assertThatThrownBy(
                        () ->
                                Serve.config(
                                        task("m", 0, 0, 0, 0), Map.of(Serve.GRPC_PORT_ENV, "-5")))
                .hasMessageContaining(Serve.GRPC_PORT_ENV + " '-5'");
    }
}
