package io.mlcycle.bench.server;

import java.io.BufferedInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A minimal HTTP/1.1 keep-alive client on one socket: the load generator's own cost stays small and
 * predictable, so the latency measured is the server's.
 */
final class RawHttp implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;
    private final byte[] line = new byte[8192];
    private byte[] body = new byte[1 << 16];
    private int bodyLength;

    RawHttp(int port) throws IOException {
        socket = new Socket();
        socket.setTcpNoDelay(true);
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        socket.setSoTimeout(60_000);
        out = socket.getOutputStream();
        in = new BufferedInputStream(socket.getInputStream(), 1 << 16);
    }

    /** A complete POST request, built once and sent many times. */
    static byte[] post(String path, byte[] json) {
        return post(path, json, "application/json", "");
    }

    /** The same with another content type and more header lines (each ending in CRLF). */
    static byte[] post(String path, byte[] body, String contentType, String headers) {
        byte[] head =
                ("POST "
                                + path
                                + " HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                                + contentType
                                + "\r\n"
                                + headers
                                + "Content-Length: "
                                + body.length
                                + "\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII);
        byte[] req = new byte[head.length + body.length];
        System.arraycopy(head, 0, req, 0, head.length);
        System.arraycopy(body, 0, req, head.length, body.length);
        return req;
    }

    /** Sends a request and reads the whole response; returns the status code. */
    int exchange(byte[] request) throws IOException {
        out.write(request);
        out.flush();
        int status = -1;
        int contentLength = 0;
        boolean first = true;
        while (true) {
            int n = readLine();
            if (n == 0) {
                break;
            }
            String s = new String(line, 0, n, StandardCharsets.US_ASCII);
            if (first) {
                status = Integer.parseInt(s.substring(9, 12));
                first = false;
            } else if (s.regionMatches(true, 0, "content-length:", 0, 15)) {
                contentLength = Integer.parseInt(s.substring(15).trim());
            }
        }
        if (body.length < contentLength) {
            body = new byte[contentLength];
        }
        int read = 0;
        while (read < contentLength) {
            int r = in.read(body, read, contentLength - read);
            if (r < 0) {
                throw new EOFException("response body cut short");
            }
            read += r;
        }
        bodyLength = contentLength;
        return status;
    }

    String lastBody() {
        return new String(body, 0, bodyLength, StandardCharsets.UTF_8);
    }

    private int readLine() throws IOException {
        int n = 0;
        while (true) {
            int b = in.read();
            if (b < 0) {
                throw new EOFException("connection closed by the server");
            }
            if (b == '\n') {
                return n > 0 && line[n - 1] == '\r' ? n - 1 : n;
            }
            line[n++] = (byte) b;
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
