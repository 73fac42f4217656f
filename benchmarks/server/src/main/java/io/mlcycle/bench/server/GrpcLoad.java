package io.mlcycle.bench.server;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.mlcycle.server.oip.GRPCInferenceServiceGrpc;
import io.mlcycle.server.oip.ModelInferRequest;
import io.mlcycle.server.oip.ModelInferResponse;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The OIP v2 gRPC path under the same load as the REST one: one HTTP/2 channel (as gRPC clients use
 * it), requests sent by one spinning thread at their scheduled times and answered asynchronously,
 * latency from the scheduled time.
 */
final class GrpcLoad implements AutoCloseable {

    private final ManagedChannel channel;
    private final GRPCInferenceServiceGrpc.GRPCInferenceServiceStub async;
    private final GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub blocking;

    GrpcLoad(int port) {
        channel =
                NettyChannelBuilder.forAddress("127.0.0.1", port)
                        .usePlaintext()
                        .directExecutor()
                        .maxInboundMessageSize(64 << 20)
                        .build();
        async = GRPCInferenceServiceGrpc.newStub(channel);
        blocking = GRPCInferenceServiceGrpc.newBlockingStub(channel);
    }

    /** A request of dense rows in raw FP32 (the binary layout), as Triton's clients send it. */
    static ModelInferRequest request(String model, List<float[]> rows) {
        int features = rows.get(0).length;
        ByteBuffer raw =
                ByteBuffer.allocate(rows.size() * features * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] r : rows) {
            for (float v : r) {
                raw.putFloat(v);
            }
        }
        return ModelInferRequest.newBuilder()
                .setModelName(model)
                .addInputs(
                        ModelInferRequest.InferInputTensor.newBuilder()
                                .setName("input")
                                .setDatatype("FP32")
                                .addShape(rows.size())
                                .addShape(features))
                .addRawInputContents(ByteString.copyFrom(raw.array()))
                .build();
    }

    /** One call, blocking; the number of outputs answered. */
    int call(ModelInferRequest req) {
        return blocking.modelInfer(req).getOutputsCount();
    }

    /**
     * {@code threads} threads calling back to back on the channel for {@code seconds}: the same
     * warm-up the REST paths get before their open loops (two connections for 3 s).
     */
    void closedLoop(List<ModelInferRequest> requests, int threads, int seconds)
            throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        AtomicInteger failures = new AtomicInteger();
        Thread[] callers = new Thread[threads];
        for (int w = 0; w < threads; w++) {
            int offset = w;
            callers[w] =
                    new Thread(
                            () -> {
                                try {
                                    for (int i = offset; System.nanoTime() < end; i++) {
                                        call(requests.get(i % requests.size()));
                                    }
                                } catch (RuntimeException e) {
                                    failures.incrementAndGet();
                                    System.err.println("gRPC call failed: " + e);
                                }
                            });
            callers[w].start();
        }
        for (Thread t : callers) {
            t.join();
        }
        if (failures.get() > 0) {
            throw new IllegalStateException(failures + " gRPC callers failed in the closed loop");
        }
    }

    /** Open loop: {@code rate} calls per second for {@code seconds}; latencies in ns. */
    long[] run(List<ModelInferRequest> requests, int rate, int seconds)
            throws InterruptedException {
        int total = rate * seconds;
        long period = 1_000_000_000L / rate;
        long[] latency = new long[total];
        AtomicInteger done = new AtomicInteger();
        AtomicInteger failures = new AtomicInteger();
        long start = System.nanoTime() + 50_000_000L;
        for (int i = 0; i < total; i++) {
            long due = start + i * period;
            while (System.nanoTime() < due) {
                Thread.onSpinWait();
            }
            int index = i;
            async.modelInfer(
                    requests.get(i % requests.size()),
                    new StreamObserver<>() {
                        @Override
                        public void onNext(ModelInferResponse r) {
                            latency[index] = System.nanoTime() - due;
                        }

                        @Override
                        public void onError(Throwable t) {
                            latency[index] = System.nanoTime() - due;
                            failures.incrementAndGet();
                            done.incrementAndGet();
                        }

                        @Override
                        public void onCompleted() {
                            done.incrementAndGet();
                        }
                    });
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (done.get() < total && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        if (done.get() < total || failures.get() > 0) {
            throw new IllegalStateException(
                    (total - done.get()) + " gRPC calls unanswered, " + failures + " failed");
        }
        return latency;
    }

    @Override
    public void close() throws InterruptedException {
        channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
}
