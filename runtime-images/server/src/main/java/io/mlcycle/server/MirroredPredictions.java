package io.mlcycle.server;

import java.util.HashMap;
import java.util.Map;

/**
 * A shadow challenger's predictions for requests its champion mirrored, under the champion's
 * prediction ids, so feedback the champion forwards is joined to them. The last {@code capacity}
 * ids are kept (the oldest go first); each takes feedback once.
 */
final class MirroredPredictions {

    private static final int USED = 2;

    private final String[] ring;
    private final Map<String, Integer> classes;
    private long next;

    MirroredPredictions(int capacity) {
        this.ring = new String[capacity];
        this.classes = new HashMap<>(Math.min(capacity, 1 << 16));
    }

    /** Records the predicted classes under the champion's ids (one per scored row). */
    synchronized void record(String[] ids, float[] probability, double threshold) {
        for (int i = 0; i < ids.length; i++) {
            int slot = (int) (next++ % ring.length);
            if (ring[slot] != null) {
                classes.remove(ring[slot]);
            }
            ring[slot] = ids[i];
            classes.put(ids[i], probability[i] >= threshold ? 1 : 0);
        }
    }

    /** Consumes an id, as {@link FeedbackWindow#take} does. */
    synchronized FeedbackWindow.Match take(String id) {
        Integer v = id == null ? null : classes.get(id);
        if (v == null) {
            return new FeedbackWindow.Match(FeedbackWindow.Status.UNKNOWN, -1);
        }
        if ((v & USED) != 0) {
            return new FeedbackWindow.Match(FeedbackWindow.Status.DUPLICATE, v & 1);
        }
        classes.put(id, v | USED);
        return new FeedbackWindow.Match(FeedbackWindow.Status.ACCEPTED, v & 1);
    }
}
