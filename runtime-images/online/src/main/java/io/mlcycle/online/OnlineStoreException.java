package io.mlcycle.online;

/**
 * The online store cannot answer: Redis is unreachable or failing ({@code Unavailable}, {@code
 * RedisError}), a FeatureView has no current version there ({@code NoOnlineVersion}), or a stored
 * value is not ours ({@code CorruptValue}). A server maps it to 503 with {@link #getMessage()}.
 */
public final class OnlineStoreException extends RuntimeException {

    private final String reason;

    public OnlineStoreException(String reason, String message, Throwable cause) {
        super(message, cause);
        this.reason = reason;
    }

    public OnlineStoreException(String reason, String message) {
        this(reason, message, null);
    }

    /** CamelCase reason, for status conditions and metrics labels. */
    public String reason() {
        return reason;
    }
}
