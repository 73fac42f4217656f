package io.mlcycle.server;

import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import io.mlcycle.server.oip.GRPCInferenceServiceGrpc;
import io.mlcycle.server.oip.ModelInferRequest;
import io.mlcycle.server.oip.ModelMetadataRequest;
import io.mlcycle.server.oip.ModelMetadataResponse;
import io.mlcycle.server.oip.ModelReadyRequest;
import io.mlcycle.server.oip.ModelReadyResponse;
import io.mlcycle.server.oip.ServerLiveRequest;
import io.mlcycle.server.oip.ServerLiveResponse;
import io.mlcycle.server.oip.ServerMetadataRequest;
import io.mlcycle.server.oip.ServerMetadataResponse;
import io.mlcycle.server.oip.ServerReadyRequest;
import io.mlcycle.server.oip.ServerReadyResponse;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The Open Inference Protocol v2 gRPC service ({@code inference.GRPCInferenceService}) on its own
 * port: the same model, limits, scoring, feedback window and metrics as the REST endpoints (an
 * inference counts under {@code endpoint="infer"} with the HTTP status of the same outcome).
 * Outputs come back in {@code raw_output_contents}, as Triton sends them. Beside it, {@code
 * grpc.health.v1.Health} answers SERVING exactly when the server is ready, for the whole server
 * ({@code ""}) and for the inference service, so Kubernetes gRPC probes and meshes see readiness.
 */
final class GrpcEndpoint {

    private final InferenceServer server;
    private final InferenceServer.Config config;
    private final ServerMetrics metrics;
    private final ModelAddress address;
    private final String version;
    private final HealthStatusManager health = new HealthStatusManager();
    private Server grpc;
    private ExecutorService executor;

    GrpcEndpoint(InferenceServer server, InferenceServer.Config config, ServerMetrics metrics) {
        this.server = server;
        this.config = config;
        this.metrics = metrics;
        this.address = server.address();
        this.version = String.valueOf(config.version());
    }

    /**
     * Binds on the REST transport's event loops (epoll where it has it): one set of loop threads
     * for both protocols instead of grpc-java's own boss and worker groups.
     */
    void start(HttpTransport http) throws IOException {
        AtomicInteger n = new AtomicInteger();
        executor =
                Executors.newFixedThreadPool(
                        config.threads(),
                        r -> {
                            Thread t = new Thread(r, "mlcycle-grpc-" + n.incrementAndGet());
                            t.setDaemon(true);
                            return t;
                        });
        grpc =
                NettyServerBuilder.forAddress(
                                new InetSocketAddress(config.bindAddress(), config.grpcPort()))
                        .bossEventLoopGroup(http.boss())
                        .workerEventLoopGroup(http.loops())
                        .channelType(http.channelType())
                        .maxInboundMessageSize(config.maxBodyBytes())
                        // small calls are answered on the event loop, as small REST requests are:
                        // a hand-off to another thread cost 10 times the CPU of the call itself
                        .directExecutor()
                        .addStreamTracerFactory(new GrpcStreamTimer(metrics))
                        // a fixed window of grpc-java's default size: with the automatic one the
                        // server sends a BDP PING as small calls come in and reads its ACK
                        .flowControlWindow(1 << 20)
                        .addService(
                                GrpcInferCodec.withInfer(new Service().bindService(), this::infer))
                        .addService(health.getHealthService())
                        .build()
                        .start();
    }

    int port() {
        return grpc.getPort();
    }

    /** Whether the gRPC server is still taking calls (part of readiness). */
    boolean serving() {
        return grpc != null && !grpc.isShutdown();
    }

    /** Sets what the health service answers; the caller passes the server's readiness. */
    void readiness(boolean ready) {
        ServingStatus status = ready ? ServingStatus.SERVING : ServingStatus.NOT_SERVING;
        health.setStatus(HealthStatusManager.SERVICE_NAME_ALL_SERVICES, status);
        health.setStatus(GRPCInferenceServiceGrpc.SERVICE_NAME, status);
    }

    void stop(int graceSeconds) {
        if (grpc == null) {
            return;
        }
        // watchers learn NOT_SERVING, and later status changes are ignored
        health.enterTerminalState();
        grpc.shutdown();
        try {
            if (!grpc.awaitTermination(graceSeconds, TimeUnit.SECONDS)) {
                grpc.shutdownNow();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            grpc.shutdownNow();
        }
        executor.shutdownNow();
    }

    private final class Service extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {

        @Override
        public void serverLive(ServerLiveRequest req, StreamObserver<ServerLiveResponse> out) {
            answer(out, "live", () -> ServerLiveResponse.newBuilder().setLive(true).build());
        }

        @Override
        public void serverReady(ServerReadyRequest req, StreamObserver<ServerReadyResponse> out) {
            answer(
                    out,
                    "ready",
                    () -> ServerReadyResponse.newBuilder().setReady(server.ready()).build());
        }

        @Override
        public void modelReady(ModelReadyRequest req, StreamObserver<ModelReadyResponse> out) {
            answer(
                    out,
                    "model_ready",
                    () -> {
                        address.check(req.getName(), req.getVersion());
                        return ModelReadyResponse.newBuilder().setReady(server.ready()).build();
                    });
        }

        @Override
        public void serverMetadata(
                ServerMetadataRequest req, StreamObserver<ServerMetadataResponse> out) {
            answer(
                    out,
                    "server",
                    () ->
                            ServerMetadataResponse.newBuilder()
                                    .setName("mlcycle-server")
                                    .setVersion("1")
                                    .addExtensions("feedback")
                                    .build());
        }

        @Override
        public void modelMetadata(
                ModelMetadataRequest req, StreamObserver<ModelMetadataResponse> out) {
            answer(
                    out,
                    "metadata",
                    () -> {
                        address.check(req.getName(), req.getVersion());
                        ModelSlot.Loaded m = server.requireReady();
                        ModelMetadataResponse.Builder b =
                                ModelMetadataResponse.newBuilder()
                                        .setName(config.model())
                                        .addVersions(String.valueOf(config.version()))
                                        .setPlatform(ModelMetadata.PLATFORM);
                        for (ModelMetadata.TensorMetadata t : server.metadata().inputs(m)) {
                            b.addInputs(metadata(t));
                        }
                        for (ModelMetadata.TensorMetadata t : server.metadata().outputs()) {
                            b.addOutputs(metadata(t));
                        }
                        return b.build();
                    });
        }
    }

    /** ModelInfer: answered on the event loop, or on the pool when it is slow (as for REST). */
    private void infer(ModelInferRequest req, StreamObserver<GrpcInferResponses.Encoded> out) {
        Runnable call =
                () ->
                        answer(
                                out,
                                "infer",
                                () -> {
                                    address.check(req.getModelName(), req.getModelVersion());
                                    ModelSlot.Loaded m = server.requireReady();
                                    Scorer.Answer a = server.infer(m, GrpcInferCodec.parse(req));
                                    return GrpcInferResponses.encode(a, config.model(), version);
                                });
        if (slow(req)) {
            try {
                executor.execute(call);
            } catch (RejectedExecutionException e) {
                call.run(); // shutting down: answer here rather than drop the call
            }
        } else {
            call.run();
        }
    }

    /**
     * Runs one call: its answer or the status of its refusal, counted as the REST endpoint of the
     * same name would be.
     */
    private <T> void answer(StreamObserver<T> out, String endpoint, Supplier<T> call) {
        long start = System.nanoTime();
        int code = 200;
        try {
            T result = call.get();
            out.onNext(result);
            out.onCompleted();
        } catch (BadRequest e) {
            code = e.status();
            metrics.error(endpoint, InferenceServer.reason(code));
            out.onError(status(code).withDescription(e.getMessage()).asRuntimeException());
        } catch (RuntimeException e) {
            code = 500;
            metrics.error(endpoint, "internal");
            System.err.println("mlcycle-server: gRPC " + endpoint + " failed: " + e);
            e.printStackTrace();
            out.onError(
                    Status.INTERNAL.withDescription("internal error: " + e).asRuntimeException());
        }
        metrics.request(endpoint, code, start);
    }

    /**
     * Calls kept off the event loop, as for REST: big batches, and lookups by entity (a Redis round
     * trip).
     */
    private static boolean slow(ModelInferRequest req) {
        return ModelAddress.slow(req.getSerializedSize(), byEntity(req));
    }

    private static boolean byEntity(ModelInferRequest req) {
        for (ModelInferRequest.InferInputTensor t : req.getInputsList()) {
            if (t.getName().equals(EntityRequest.INPUT)) {
                return true;
            }
        }
        return false;
    }

    private static Status status(int code) {
        return switch (code) {
            case 400 -> Status.INVALID_ARGUMENT;
            case 404 -> Status.NOT_FOUND;
            case 413 -> Status.RESOURCE_EXHAUSTED;
            case 503 -> Status.UNAVAILABLE;
            default -> Status.INTERNAL;
        };
    }

    private static ModelMetadataResponse.TensorMetadata metadata(ModelMetadata.TensorMetadata t) {
        ModelMetadataResponse.TensorMetadata.Builder b =
                ModelMetadataResponse.TensorMetadata.newBuilder()
                        .setName(t.name())
                        .setDatatype(t.datatype());
        for (long d : t.shape()) {
            b.addShape(d);
        }
        return b.build();
    }
}
