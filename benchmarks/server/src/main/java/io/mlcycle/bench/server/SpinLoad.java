package io.mlcycle.bench.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.List;

/**
 * An open-loop load generator on one thread that never sleeps: it sends each request at its
 * scheduled time on a free non-blocking connection and polls all connections for answers, so its
 * own thread wake-ups (which on this VM take 0.1 ms at the median and 3 ms at p99.9) stay out of
 * the latency it measures. It keeps one core busy for the whole run.
 */
final class SpinLoad implements AutoCloseable {

    private final Selector selector;
    private final Conn[] conns;

    SpinLoad(int port, int connections) throws IOException {
        selector = Selector.open();
        conns = new Conn[connections];
        for (int i = 0; i < connections; i++) {
            SocketChannel ch = SocketChannel.open();
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.connect(new InetSocketAddress("127.0.0.1", port));
            ch.configureBlocking(false);
            conns[i] = new Conn(ch);
            ch.register(selector, SelectionKey.OP_READ, conns[i]);
        }
    }

    /**
     * Sends {@code rate} requests per second for {@code seconds}; returns each latency from the
     * scheduled send time, in ns. A request due while every connection waits for an answer goes out
     * on the first connection that frees up, still timed from when it was due.
     */
    long[] run(List<byte[]> bodies, int rate, int seconds) throws IOException {
        int total = rate * seconds;
        long period = 1_000_000_000L / rate;
        long[] latency = new long[total];
        long start = System.nanoTime() + 50_000_000L;
        ArrayDeque<Conn> free = new ArrayDeque<>(List.of(conns));
        int next = 0;
        int done = 0;
        int failures = 0;
        while (done < total) {
            long now = System.nanoTime();
            while (next < total && start + next * period <= now && !free.isEmpty()) {
                Conn c = free.poll();
                c.send(next, bodies.get(next % bodies.size()));
                next++;
            }
            if (selector.selectNow() == 0) {
                continue;
            }
            for (SelectionKey key : selector.selectedKeys()) {
                Conn c = (Conn) key.attachment();
                int status = c.read();
                if (status != 0) {
                    latency[c.request] = System.nanoTime() - (start + c.request * period);
                    failures += status == 200 ? 0 : 1;
                    done++;
                    free.add(c);
                }
            }
            selector.selectedKeys().clear();
        }
        if (failures > 0) {
            throw new IllegalStateException(failures + " requests failed in the open loop");
        }
        return latency;
    }

    @Override
    public void close() throws IOException {
        for (Conn c : conns) {
            c.channel.close();
        }
        selector.close();
    }

    /** One keep-alive connection with at most one request in flight. */
    private static final class Conn {
        private final SocketChannel channel;
        private ByteBuffer in = ByteBuffer.allocate(1 << 16);
        private int request;

        Conn(SocketChannel channel) {
            this.channel = channel;
        }

        void send(int request, byte[] bytes) throws IOException {
            this.request = request;
            in.clear();
            ByteBuffer out = ByteBuffer.wrap(bytes);
            while (out.hasRemaining()) {
                channel.write(out);
            }
        }

        /** Reads what arrived; returns the status once the whole response is in, else 0. */
        int read() throws IOException {
            if (!in.hasRemaining()) {
                in = ByteBuffer.allocate(in.capacity() * 2).put(in.flip());
            }
            if (channel.read(in) < 0) {
                throw new IOException("connection closed by the server");
            }
            byte[] a = in.array();
            int n = in.position();
            int headerEnd = -1;
            for (int i = 3; i < n; i++) {
                if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
                    headerEnd = i + 1;
                    break;
                }
            }
            if (headerEnd < 0) {
                return 0;
            }
            String head = new String(a, 0, headerEnd, java.nio.charset.StandardCharsets.US_ASCII);
            int at = head.toLowerCase(java.util.Locale.ROOT).indexOf("content-length:");
            int length =
                    at < 0
                            ? 0
                            : Integer.parseInt(
                                    head.substring(at + 15, head.indexOf('\r', at)).trim());
            if (n < headerEnd + length) {
                return 0;
            }
            return Integer.parseInt(head.substring(9, 12));
        }
    }
}
