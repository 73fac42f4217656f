package io.mlcycle.server;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.mlcycle.server.oip.GRPCInferenceServiceGrpc;
import io.mlcycle.server.oip.InferTensorContents;
import io.mlcycle.server.oip.ModelInferRequest;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollEventLoopGroup;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Warms the gRPC path up before the server is ready, as {@link CodecWarmUp} does the REST codec:
 * ModelInfer calls over loopback to a private server on the same transport (epoll where there is
 * one), decoded and answered by {@link GrpcInferCodec} without scoring, so grpc-java's HTTP/2 and
 * stream code is compiled before the first caller pays for it (the first 20 000 calls cost 5 times
 * the CPU of later ones, benchmarks/server/README.md). Nothing is counted or recorded; a failure is
 * printed and only ends the warm-up.
 */
final class GrpcWarmUp {

    /** Calls made at most, and the time they may take at most. */
    static final int CALLS = 4000;

    static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(4);

    private GrpcWarmUp() {}

    /**
     * Makes up to {@code calls} calls (for at most {@code maxNanos}); returns how many were
     * answered. A failure (no loopback port, say) is printed and ends the warm-up, never the load.
     */
    static int run(
            Map<String, Integer> featureIndex, List<String> names, int calls, long maxNanos) {
        boolean epoll = Epoll.isAvailable();
        DefaultThreadFactory threads = new DefaultThreadFactory("mlcycle-grpc-warm-up", true);
        EventLoopGroup group =
                epoll ? new EpollEventLoopGroup(1, threads) : new NioEventLoopGroup(1, threads);
        Server server = null;
        ManagedChannel channel = null;
        int done = 0;
        try {
            server =
                    NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
                            .bossEventLoopGroup(group)
                            .workerEventLoopGroup(group)
                            .channelType(
                                    epoll
                                            ? EpollServerSocketChannel.class
                                            : NioServerSocketChannel.class)
                            .directExecutor()
                            .addService(
                                    GrpcInferCodec.withInfer(
                                            new GRPCInferenceServiceGrpc
                                                    .GRPCInferenceServiceImplBase() {}.bindService(),
                                            new Answering(featureIndex, names.size())))
                            .build()
                            .start();
            channel =
                    NettyChannelBuilder.forAddress("127.0.0.1", server.getPort())
                            .eventLoopGroup(group)
                            .channelType(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                            .usePlaintext()
                            .directExecutor()
                            .build();
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub =
                    GRPCInferenceServiceGrpc.newBlockingStub(channel);
            ModelInferRequest[] requests = requests(names);
            long deadline = System.nanoTime() + maxNanos;
            while (done < calls && System.nanoTime() < deadline) {
                stub.modelInfer(requests[done % requests.length]);
                done++;
            }
        } catch (IOException | RuntimeException e) {
            System.err.println(
                    "mlcycle-server: gRPC warm-up stopped after " + done + " calls: " + e);
        } finally {
            if (channel != null) {
                channel.shutdownNow();
            }
            if (server != null) {
                server.shutdownNow();
            }
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(2000);
        }
        return done;
    }

    /** A dense request in raw_input_contents and one of typed contents for the first feature. */
    static ModelInferRequest[] requests(List<String> names) {
        int n = names.size();
        ByteBuffer raw = ByteBuffer.allocate(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int j = 0; j < n; j++) {
            raw.putFloat(j % 7 == 0 ? 1.5f : 0f);
        }
        ModelInferRequest dense =
                ModelInferRequest.newBuilder()
                        .setModelName("warm-up")
                        .setId("warm-up")
                        .addInputs(
                                ModelInferRequest.InferInputTensor.newBuilder()
                                        .setName("input")
                                        .setDatatype("FP32")
                                        .addShape(1)
                                        .addShape(n))
                        .addRawInputContents(ByteString.copyFrom(raw.array()))
                        .build();
        ModelInferRequest typed =
                ModelInferRequest.newBuilder()
                        .setModelName("warm-up")
                        .addInputs(
                                ModelInferRequest.InferInputTensor.newBuilder()
                                        .setName(names.get(0))
                                        .setDatatype("FP32")
                                        .addShape(2)
                                        .setContents(
                                                InferTensorContents.newBuilder()
                                                        .addFp32Contents(1)
                                                        .addFp32Contents(2)))
                        .build();
        return new ModelInferRequest[] {dense, typed};
    }

    /** Decodes each request into rows and answers it with probabilities of 0, as a call would. */
    private record Answering(Map<String, Integer> featureIndex, int numFeatures)
            implements ServerCalls.UnaryMethod<ModelInferRequest, GrpcInferResponses.Encoded> {

        @Override
        public void invoke(ModelInferRequest req, StreamObserver<GrpcInferResponses.Encoded> out) {
            InferRequest r =
                    FeatureRows.rows(
                            GrpcInferCodec.parse(req),
                            featureIndex,
                            numFeatures,
                            Integer.MAX_VALUE);
            float[] p = new float[r.rows().rows()];
            String[] ids = new String[p.length];
            Arrays.fill(ids, "warm-up");
            Scorer.Answer a =
                    new Scorer.Answer(
                            r.id(),
                            JsonInferResponseWriter.outputs(p, 0.5, ids),
                            r.outputs(),
                            null);
            out.onNext(GrpcInferResponses.encode(a, "warm-up", "0"));
            out.onCompleted();
        }
    }
}
