package io.mlcycle.server;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.mlcycle.server.oip.GRPCInferenceServiceGrpc;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code grpc.health.v1.Health} follows readiness: loading, ready, failed, draining. */
@UnitTier
class GrpcHealthTest {

    private static final String INFERENCE = GRPCInferenceServiceGrpc.SERVICE_NAME;

    private InferenceServer server;
    private ManagedChannel channel;

    @AfterEach
    void stop() throws InterruptedException {
        if (channel != null) {
            channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    private HealthGrpc.HealthBlockingStub start(ModelSlot slot) throws IOException {
        server = TestModels.server(OipMessages.config(64 * 1024, 100), slot).start();
        channel =
                NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
                        .usePlaintext()
                        .build();
        return HealthGrpc.newBlockingStub(channel);
    }

    private static ServingStatus check(HealthGrpc.HealthBlockingStub health, String service) {
        return health.check(HealthCheckRequest.newBuilder().setService(service).build())
                .getStatus();
    }

    /** Collects what a Watch call streams. */
    private BlockingQueue<ServingStatus> watch(String service) {
        BlockingQueue<ServingStatus> seen = new LinkedBlockingQueue<>();
        HealthGrpc.newStub(channel)
                .watch(
                        HealthCheckRequest.newBuilder().setService(service).build(),
                        new StreamObserver<>() {
                            @Override
                            public void onNext(HealthCheckResponse r) {
                                seen.add(r.getStatus());
                            }

                            @Override
                            public void onError(Throwable t) {}

                            @Override
                            public void onCompleted() {}
                        });
        return seen;
    }

    private static ServingStatus next(BlockingQueue<ServingStatus> seen, String what)
            throws InterruptedException {
        ServingStatus s = seen.poll(30, TimeUnit.SECONDS);
        assertThat(s).as("the Watch stream's next status after " + what).isNotNull();
        return s;
    }

    @Test
    void healthIsNotServingWhileLoadingThenServingThenNotServingOnceDraining()
            throws IOException, InterruptedException {
        ModelSlot slot = new ModelSlot();
        HealthGrpc.HealthBlockingStub health = start(slot);
        assertThat(check(health, "")).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(check(health, INFERENCE)).isEqualTo(ServingStatus.NOT_SERVING);
        BlockingQueue<ServingStatus> watched = watch(INFERENCE);
        assertThat(next(watched, "the watch started")).isEqualTo(ServingStatus.NOT_SERVING);

        assertThat(slot.load(() -> ArtifactModel.load(TestModels.artifact()))).isTrue();
        assertThat(check(health, "")).isEqualTo(ServingStatus.SERVING);
        assertThat(check(health, INFERENCE)).isEqualTo(ServingStatus.SERVING);
        assertThat(next(watched, "the model loaded")).isEqualTo(ServingStatus.SERVING);

        server.drain();
        assertThat(check(health, "")).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(next(watched, "the server began draining")).isEqualTo(ServingStatus.NOT_SERVING);
    }

    @Test
    void aModelThatFailsToLoadNeverReportsServing() throws IOException {
        ModelSlot slot = new ModelSlot();
        HealthGrpc.HealthBlockingStub health = start(slot);
        assertThat(
                        slot.load(
                                () -> {
                                    throw new IOException("no model.json");
                                }))
                .isFalse();
        assertThat(check(health, "")).isEqualTo(ServingStatus.NOT_SERVING);
        assertThat(check(health, INFERENCE)).isEqualTo(ServingStatus.NOT_SERVING);
    }

    @Test
    void aServiceTheServerDoesNotHaveIsNotFound() throws IOException {
        HealthGrpc.HealthBlockingStub health = start(new ModelSlot());
        assertThatThrownBy(() -> check(health, "grpc.reflection.v1.ServerReflection"))
                .isInstanceOfSatisfying(
                        StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND));
    }
}
