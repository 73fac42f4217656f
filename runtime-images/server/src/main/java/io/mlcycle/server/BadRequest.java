package io.mlcycle.server;

/** A request the server refuses, with the HTTP status and a message naming the problem. */
final class BadRequest extends RuntimeException {

    private final int status;

    BadRequest(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    static BadRequest of(String message) {
        return new BadRequest(400, message);
    }

    int status() {
        return status;
    }
}
