package io.mlcycle.server;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;

/** One HTTP request, its body already received in full, and the response the endpoints chose. */
final class Exchange {

    final String method;
    final String path;
    final HttpHeaders requestHeaders;
    private final byte[] body;

    /** The body went over the size limit (declared or streamed); it was read and dropped. */
    final boolean tooLarge;

    /** When the request arrived (its headers), for the latency histogram. */
    final long startNanos;

    final HttpHeaders responseHeaders = new DefaultHttpHeaders(false);
    int status;
    String contentType;
    byte[] responseBody;

    /** Close the connection after the response (a body too large to keep reading, a bad body). */
    boolean close;

    Exchange(
            String method,
            String path,
            HttpHeaders requestHeaders,
            byte[] body,
            boolean tooLarge,
            long startNanos) {
        this.method = method;
        this.path = path;
        this.requestHeaders = requestHeaders;
        this.body = body;
        this.tooLarge = tooLarge;
        this.startNanos = startNanos;
    }

    /** The whole request body; empty when it went over the limit. */
    byte[] body() {
        return body;
    }

    boolean head() {
        return method.equals("HEAD");
    }

    /** Records the response; the transport writes it. */
    int respond(int status, String contentType, byte[] body) {
        this.status = status;
        this.contentType = contentType;
        this.responseBody = body;
        return status;
    }
}
