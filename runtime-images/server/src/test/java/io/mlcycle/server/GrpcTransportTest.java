package io.mlcycle.server;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.mlcycle.server.oip.GRPCInferenceServiceGrpc;
import io.mlcycle.server.oip.ServerLiveRequest;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** gRPC connections are accepted and served on the REST transport's event loops. */
@UnitTier
class GrpcTransportTest {

    @Test
    void grpcStartsNoEventLoopGroupOfItsOwn() throws IOException, InterruptedException {
        try (InferenceServer server =
                TestModels.server(OipMessages.config(64 * 1024, 100), new ModelSlot()).start()) {
            ManagedChannel channel =
                    NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
                            .usePlaintext()
                            .build();
            try {
                assertThat(
                                GRPCInferenceServiceGrpc.newBlockingStub(channel)
                                        .serverLive(ServerLiveRequest.getDefaultInstance())
                                        .getLive())
                        .isTrue();
                // grpc-java's own server groups would be "grpc-default-boss-ELG-…" (clients
                // have no boss group); the accepted connection is on an "mlcycle-http-…" loop
                List<String> names =
                        Thread.getAllStackTraces().keySet().stream().map(Thread::getName).toList();
                assertThat(names).noneMatch(n -> n.startsWith("grpc-default-boss"));
                assertThat(names).anyMatch(n -> n.startsWith("mlcycle-http"));
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }
}
