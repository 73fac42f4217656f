package io.mlcycle.server;

import io.grpc.ManagedChannel;
import io.grpc.netty.NettyChannelBuilder;
import io.mlcycle.server.oip.GRPCInferenceServiceGrpc;
import io.mlcycle.server.oip.ServerLiveRequest;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * gRPC connections are accepted and served on the REST transport's event loops, each call is timed
 * at the HTTP/2 codec's edge, and small calls draw no flow-control PING from the server.
 */
@UnitTier
class GrpcTransportTest {

    @Test
    void grpcStartsNoEventLoopGroupOfItsOwn() throws IOException, InterruptedException {
        try (InferenceServer server =
                TestModels.server(OipMessages.config(64 * 1024, 100), new ModelSlot()).start()) {
            ManagedChannel channel = channel(server);
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

    @Test
    void eachCallIsTimedFromItsHeadersFrameToItsMessageAndToItsTrailersWritten()
            throws IOException, InterruptedException {
        try (InferenceServer server =
                TestModels.server(OipMessages.config(64 * 1024, 100), new ModelSlot()).start()) {
            ManagedChannel channel = channel(server);
            Http http = new Http(server.port());
            String count = "mlcycle_grpc_stream_duration_seconds_count";
            try {
                var stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
                for (int i = 0; i < 3; i++) {
                    assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive())
                            .isTrue();
                }
                // the stream closes once its trailers' write has completed, which may be after
                // the client has read them
                FakeChallenger.await(
                        "3 ServerLive calls timed at the codec edge",
                        10,
                        () -> http.total(count, "method", "ServerLive") == 3,
                        () -> "timed: " + http.total(count, "method", "ServerLive"));
                assertThat(
                                http.total(
                                        "mlcycle_grpc_stream_duration_seconds_bucket",
                                        "method",
                                        "ServerLive",
                                        "le",
                                        "1.0"))
                        .isEqualTo(3);
                assertThat(
                                http.total(
                                        "mlcycle_grpc_message_wait_seconds_count",
                                        "method",
                                        "ServerLive"))
                        .isEqualTo(3);
            } finally {
                channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
            }
        }
    }

    /**
     * With grpc-java's automatic window the server pings the client (BDP estimation) from the first
     * call's DATA on, and each ping is one more frame to write and one ACK to read.
     */
    @Test
    void smallCallsDrawNoPingFromTheServer() throws IOException {
        try (InferenceServer server =
                        TestModels.server(OipMessages.config(64 * 1024, 100), new ModelSlot())
                                .start();
                Socket socket = new Socket("127.0.0.1", server.grpcPort())) {
            socket.setSoTimeout(10_000);
            socket.setTcpNoDelay(true);
            DataOutputStream out = new DataOutputStream(socket.getOutputStream());
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            frame(out, 4, 0, 0, new byte[0]);
            byte[] headers = serverLiveHeaders();
            int calls = 20;
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int answered = 0;
            int pings = 0;
            for (int stream = 1; answered < calls; ) {
                if (stream < 2 * calls) {
                    frame(out, 1, 0x4, stream, headers);
                    frame(out, 0, 0x1, stream, new byte[5]); // an empty ServerLiveRequest
                    stream += 2;
                }
                int length = in.readUnsignedByte() << 16 | in.readUnsignedShort();
                int type = in.readUnsignedByte();
                int flags = in.readUnsignedByte();
                in.readInt();
                byte[] payload = in.readNBytes(length);
                if (type == 4 && (flags & 0x1) == 0) {
                    frame(out, 4, 0x1, 0, new byte[0]);
                } else if (type == 6 && (flags & 0x1) == 0) {
                    pings++;
                    frame(out, 6, 0x1, 0, payload);
                } else if (type == 1 && (flags & 0x1) != 0) {
                    answered++; // trailers
                }
            }
            assertThat(pings).as("PING frames from the server in %d calls", calls).isZero();
        }
    }

    private static void frame(DataOutputStream out, int type, int flags, int stream, byte[] payload)
            throws IOException {
        out.writeByte(payload.length >>> 16);
        out.writeShort(payload.length);
        out.writeByte(type);
        out.writeByte(flags);
        out.writeInt(stream);
        out.write(payload);
        out.flush();
    }

    /** HPACK, static-table names and literal values, for {@code ServerLive}. */
    private static byte[] serverLiveHeaders() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x83); // :method POST
        b.write(0x86); // :scheme http
        literal(b, new byte[] {0x04}, "/inference.GRPCInferenceService/ServerLive");
        literal(b, new byte[] {0x01}, "127.0.0.1");
        literal(b, new byte[] {0x0f, 0x10}, "application/grpc");
        literal(b, new byte[] {0x00, 2, 't', 'e'}, "trailers");
        return b.toByteArray();
    }

    private static void literal(ByteArrayOutputStream b, byte[] name, String value) {
        b.writeBytes(name);
        b.write(value.length());
        b.writeBytes(value.getBytes(StandardCharsets.US_ASCII));
    }

    private static ManagedChannel channel(InferenceServer server) {
        return NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort())
                .usePlaintext()
                .build();
    }
}
