package io.mlcycle.server;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.ServeTask;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

/**
 * Who may post feedback: a request carrying {@code Authorization: Bearer <token>} with the token
 * from {@value ServeTask#FEEDBACK_TOKEN_ENV}, compared in constant time; or anyone, only when
 * {@value ServeTask#FEEDBACK_AUTH_ENV}={@value ServeTask#FEEDBACK_AUTH_OFF} says so explicitly.
 */
final class FeedbackAuth {

    static final String SCHEME = "Bearer ";

    /** The outcome of checking one request: null when accepted, else the metric's reason. */
    enum Rejection {
        MISSING("missing_token"),
        WRONG("wrong_token");

        final String reason;

        Rejection(String reason) {
            this.reason = reason;
        }
    }

    private final byte[] token;

    private FeedbackAuth(byte[] token) {
        this.token = token;
    }

    /** Anyone may post feedback. */
    static FeedbackAuth open() {
        return new FeedbackAuth(null);
    }

    /** Only requests carrying this token may post feedback. */
    static FeedbackAuth token(String token) {
        return new FeedbackAuth(token.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * The authentication the environment asks for: the token when set, open when turned off
     * explicitly, otherwise a refusal to start (feedback decides rollbacks and promotions).
     */
    static FeedbackAuth fromEnv(Map<String, String> env) {
        String token = env.get(ServeTask.FEEDBACK_TOKEN_ENV);
        if (token != null && !token.isBlank()) {
            return token(token.trim());
        }
        String mode = env.get(ServeTask.FEEDBACK_AUTH_ENV);
        if (mode != null && ServeTask.FEEDBACK_AUTH_OFF.equals(mode.trim())) {
            return open();
        }
        throw TaskFailure.invalid(
                "FeedbackTokenMissing",
                ServeTask.FEEDBACK_TOKEN_ENV
                        + " is "
                        + (token == null ? "not set" : "empty")
                        + " and "
                        + ServeTask.FEEDBACK_AUTH_ENV
                        + " is not '"
                        + ServeTask.FEEDBACK_AUTH_OFF
                        + "': feedback would be open to anyone");
    }

    boolean required() {
        return token != null;
    }

    /** The token to forward to a shadow challenger (null when open). */
    String token() {
        return token == null ? null : new String(token, StandardCharsets.UTF_8);
    }

    /** Checks an {@code Authorization} header value; null when the request may post feedback. */
    Rejection check(String authorization) {
        if (token == null) {
            return null;
        }
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, 7)) {
            return Rejection.MISSING;
        }
        byte[] given =
                authorization.substring(SCHEME.length()).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(given, token) ? null : Rejection.WRONG;
    }
}
