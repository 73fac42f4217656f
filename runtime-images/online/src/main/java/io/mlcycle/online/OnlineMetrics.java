package io.mlcycle.online;

/** Callbacks a server exports as metrics; called on the request thread, so keep them cheap. */
public interface OnlineMetrics {

    /** Does nothing. */
    OnlineMetrics NONE =
            new OnlineMetrics() {
                @Override
                public void onLookup(long nanos, int entities) {}

                @Override
                public void onMiss(String view, int entities) {}

                @Override
                public void onFailure(String reason) {}
            };

    /**
     * A lookup of {@code entities} rows answered in {@code nanos} (pointer resolution included).
     */
    void onLookup(long nanos, int entities);

    /** {@code entities} of one lookup had no row in {@code view}. */
    void onMiss(String view, int entities);

    /** A lookup failed with an {@link OnlineStoreException} of this reason. */
    void onFailure(String reason);
}
