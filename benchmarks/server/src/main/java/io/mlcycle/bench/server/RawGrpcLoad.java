package io.mlcycle.bench.server;

import io.mlcycle.server.oip.ModelInferRequest;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * gRPC {@code ModelInfer} calls on one HTTP/2 connection driven by one thread that never sleeps, as
 * {@link SpinLoad} drives the REST paths: it writes each call (HEADERS and DATA in one write) at
 * its scheduled time and polls the non-blocking socket for the answers itself, so no client event
 * loop or thread hand-off sits in the measured latency. It speaks just enough HTTP/2 for that:
 * settings, PING and flow-control windows answered; its own windows opened once, so it sends no
 * PING of its own (grpc-java's client sends BDP pings, which the server answers).
 */
final class RawGrpcLoad implements AutoCloseable {

    private static final byte DATA = 0;
    private static final byte HEADERS = 1;
    private static final byte RST_STREAM = 3;
    private static final byte SETTINGS = 4;
    private static final byte PING = 6;
    private static final byte GOAWAY = 7;
    private static final byte WINDOW_UPDATE = 8;
    private static final byte CONTINUATION = 9;
    private static final int END_STREAM = 0x1;
    private static final int ACK = 0x1;
    private static final int END_HEADERS = 0x4;
    private static final int PADDED = 0x8;
    private static final int PRIORITY = 0x20;
    private static final int WINDOW = Integer.MAX_VALUE;

    private final SocketChannel channel;
    private final byte[] requestHeaders;
    private final DefaultHttp2HeadersDecoder hpack = new DefaultHttp2HeadersDecoder(false);
    private ByteBuffer in = ByteBuffer.allocate(1 << 16);
    private final ByteBuffer out = ByteBuffer.allocate(1 << 16);
    private final ByteBuf headerBlock = Unpooled.buffer();
    private int nextStream = 1;
    private long sendWindow = 65_535;
    private long received;
    private int serverPings;
    private Calls calls;

    RawGrpcLoad(int port) throws IOException {
        channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        channel.configureBlocking(false);
        requestHeaders = requestHeaders("127.0.0.1:" + port);
        out.put("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        // SETTINGS: no server push, the largest stream window; then the largest connection window
        frame(SETTINGS, 0, 0, 12);
        out.putShort((short) 0x2).putInt(0).putShort((short) 0x4).putInt(WINDOW);
        frame(WINDOW_UPDATE, 0, 0, 4);
        out.putInt(WINDOW - 65_535);
        flush();
    }

    /** The calls of one open loop: each one's due time and, once answered, its latency. */
    private static final class Calls {
        final long start;
        final long period;
        final int firstStream;
        final long[] latency;
        int done;
        int failures;

        Calls(long start, long period, int firstStream, int total) {
            this.start = start;
            this.period = period;
            this.firstStream = firstStream;
            this.latency = new long[total];
        }
    }

    /**
     * Sends {@code rate} calls per second for {@code seconds}; returns each latency (scheduled send
     * time to the trailers read), in ns. Throws if a call failed or the server closed the
     * connection.
     */
    long[] run(List<ModelInferRequest> requests, int rate, int seconds) throws IOException {
        int total = rate * seconds;
        byte[][] messages = new byte[requests.size()][];
        for (int i = 0; i < messages.length; i++) {
            messages[i] = requests.get(i).toByteArray();
        }
        calls =
                new Calls(
                        System.nanoTime() + 50_000_000L, 1_000_000_000L / rate, nextStream, total);
        int next = 0;
        long deadline = calls.start + (long) seconds * 1_000_000_000L + 60_000_000_000L;
        while (calls.done < total) {
            long now = System.nanoTime();
            if (now > deadline) {
                throw new IllegalStateException(
                        (total - calls.done)
                                + " of "
                                + total
                                + " gRPC calls unanswered after 60 s");
            }
            byte[] message = messages[next % messages.length];
            if (next < total
                    && calls.start + next * calls.period <= now
                    && sendWindow >= message.length + 5) {
                send(message);
                next++;
            }
            read();
        }
        if (calls.failures > 0) {
            throw new IllegalStateException(calls.failures + " gRPC calls failed in the open loop");
        }
        return calls.latency;
    }

    /** PING frames the server sent on this connection so far (BDP or keep-alive pings). */
    int serverPings() {
        return serverPings;
    }

    private void send(byte[] message) throws IOException {
        frame(HEADERS, END_HEADERS, nextStream, requestHeaders.length);
        out.put(requestHeaders);
        frame(DATA, END_STREAM, nextStream, message.length + 5);
        out.put((byte) 0).putInt(message.length).put(message);
        sendWindow -= message.length + 5;
        nextStream += 2;
        flush();
    }

    /** Reads what arrived and handles every whole frame in it. */
    private void read() throws IOException {
        if (channel.read(in) < 0) {
            throw new IOException("connection closed by the server");
        }
        in.flip();
        while (in.remaining() >= 9) {
            int length =
                    ((in.get(in.position()) & 0xff) << 16)
                            | (in.getShort(in.position() + 1) & 0xffff);
            if (in.remaining() < 9 + length) {
                break;
            }
            byte type = in.get(in.position() + 3);
            int flags = in.get(in.position() + 4) & 0xff;
            int stream = in.getInt(in.position() + 5) & 0x7fffffff;
            in.position(in.position() + 9);
            ByteBuffer payload = in.slice(in.position(), length);
            in.position(in.position() + length);
            frame(type, flags, stream, payload);
        }
        in.compact();
        if (!in.hasRemaining()) {
            in = ByteBuffer.allocate(in.capacity() * 2).put(in.flip());
        }
        if (out.position() > 0) {
            flush();
        }
    }

    private void frame(byte type, int flags, int stream, ByteBuffer payload) throws IOException {
        switch (type) {
            case DATA -> {
                received += payload.remaining();
                if (received > WINDOW / 2) {
                    frame(WINDOW_UPDATE, 0, 0, 4);
                    out.putInt((int) received);
                    received = 0;
                }
            }
            case HEADERS, CONTINUATION -> headers(type, flags, stream, payload);
            case SETTINGS -> {
                if ((flags & ACK) == 0) {
                    frame(SETTINGS, ACK, 0, 0);
                }
            }
            case PING -> {
                if ((flags & ACK) == 0) {
                    serverPings++;
                    frame(PING, ACK, 0, 8);
                    out.put(payload);
                }
            }
            case WINDOW_UPDATE -> {
                if (stream == 0) {
                    sendWindow += payload.getInt(0) & 0x7fffffff;
                }
            }
            case RST_STREAM -> finish(stream, false);
            case GOAWAY -> throw new IOException("the server sent GOAWAY");
            default -> {}
        }
    }

    /** A header block (response headers or trailers), decoded in order to keep HPACK's table. */
    private void headers(byte type, int flags, int stream, ByteBuffer payload) throws IOException {
        int from = 0;
        int pad = 0;
        if (type == HEADERS && (flags & PADDED) != 0) {
            pad = payload.get(0) & 0xff;
            from = 1;
        }
        if (type == HEADERS && (flags & PRIORITY) != 0) {
            from += 5;
        }
        headerBlock.writeBytes(payload.slice(from, payload.remaining() - from - pad));
        if ((flags & END_HEADERS) == 0) {
            return;
        }
        Http2Headers h;
        try {
            h = hpack.decodeHeaders(stream, headerBlock);
        } catch (Http2Exception e) {
            throw new IOException("bad header block from the server", e);
        }
        headerBlock.clear();
        CharSequence status = h.get("grpc-status");
        if (status != null) {
            finish(stream, "0".contentEquals(status));
        }
    }

    private void finish(int stream, boolean ok) {
        int index = (stream - calls.firstStream) / 2;
        if (index < 0 || index >= calls.latency.length || calls.latency[index] != 0) {
            return;
        }
        calls.latency[index] =
                Math.max(1, System.nanoTime() - (calls.start + index * calls.period));
        calls.done++;
        calls.failures += ok ? 0 : 1;
    }

    private void frame(byte type, int flags, int stream, int length) {
        out.put((byte) (length >>> 16)).putShort((short) length);
        out.put(type).put((byte) flags).putInt(stream);
    }

    private void flush() throws IOException {
        out.flip();
        while (out.hasRemaining()) {
            channel.write(out);
        }
        out.clear();
    }

    /**
     * The request's header block in HPACK without the dynamic table: {@code :method POST} and
     * {@code :scheme http} from the static table, the rest literal (not indexed, no Huffman), so
     * the same bytes serve every call.
     */
    private static byte[] requestHeaders(String authority) {
        ByteBuffer b = ByteBuffer.allocate(512);
        b.put((byte) 0x83).put((byte) 0x86);
        literal(b, 4, "/inference.GRPCInferenceService/ModelInfer");
        literal(b, 1, authority);
        b.put((byte) 0x0f).put((byte) (31 - 15));
        string(b, "application/grpc");
        b.put((byte) 0);
        string(b, "te");
        string(b, "trailers");
        byte[] out = new byte[b.position()];
        b.flip().get(out);
        return out;
    }

    /** Literal header field without indexing, name from the static table (index < 15). */
    private static void literal(ByteBuffer b, int nameIndex, String value) {
        b.put((byte) nameIndex);
        string(b, value);
    }

    private static void string(ByteBuffer b, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length >= 127) {
            throw new IllegalArgumentException("header value too long for this encoder: " + s);
        }
        b.put((byte) bytes.length).put(bytes);
    }

    @Override
    public void close() throws IOException {
        headerBlock.release();
        channel.close();
    }
}
