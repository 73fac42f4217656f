package io.mlcycle.server;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The last {@code capacity} predictions of this process, id → predicted class, so feedback can be
 * counted against what was predicted. Ids are a random per-process prefix plus a sequence number:
 * the sequence picks a ring slot, so recording and looking up never lock and memory stays fixed.
 */
final class FeedbackWindow {

    /** What a feedback entry found. */
    enum Status {
        ACCEPTED,
        UNKNOWN,
        DUPLICATE
    }

    /**
     * A lookup result: the status and, when accepted, the predicted class and whether the request
     * was also sent to a shadow challenger.
     */
    record Match(Status status, int predicted, boolean mirrored) {
        Match(Status status, int predicted) {
            this(status, predicted, false);
        }
    }

    private static final long CLASS_BIT = 1L;
    private static final long USED_BIT = 2L;
    private static final long MIRRORED_BIT = 4L;

    private final String prefix;
    private final int capacity;
    private final AtomicLong next = new AtomicLong();
    // slot = ((seq + 1) << 3) | mirrored << 2 | used << 1 | class; 0 = never written
    private final AtomicLongArray slots;

    FeedbackWindow(int capacity) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("feedbackWindow must be positive, got " + capacity);
        }
        this.capacity = capacity;
        this.slots = new AtomicLongArray(capacity);
        byte[] random = new byte[6];
        new SecureRandom().nextBytes(random);
        this.prefix = HexFormat.of().formatHex(random) + "-";
    }

    int capacity() {
        return capacity;
    }

    /** Records the predicted classes of one response and returns their ids. */
    String[] record(float[] probability, double threshold) {
        return record(probability, threshold, false);
    }

    /**
     * Records one response's predictions; {@code mirrored}: the request also goes to the shadow
     * challenger, so their feedback is forwarded. The ids are consecutive: {@link #ids} rebuilds
     * them from the first.
     */
    String[] record(float[] probability, double threshold, boolean mirrored) {
        int n = probability.length;
        long first = next.getAndAdd(n);
        long flag = mirrored ? MIRRORED_BIT : 0;
        for (int i = 0; i < n; i++) {
            long seq = first + i;
            long cls = probability[i] >= threshold ? 1 : 0;
            slots.set(slot(seq), ((seq + 1) << 3) | flag | cls);
        }
        return ids(prefix + Long.toString(first, 36), n);
    }

    /**
     * The {@code n} consecutive ids starting at {@code first} (an id of any server's window), or
     * null when {@code first} is not one.
     */
    static String[] ids(String first, int n) {
        long seq = seq(first);
        if (seq < 0) {
            return null;
        }
        String prefix = first.substring(0, first.lastIndexOf('-') + 1);
        String[] ids = new String[n];
        for (int i = 0; i < n; i++) {
            ids[i] = prefix + Long.toString(seq + i, 36);
        }
        return ids;
    }

    /** The sequence number of an id of any server's window, or -1 when it is not one. */
    static long seq(String id) {
        int dash = id == null ? -1 : id.lastIndexOf('-');
        try {
            return dash < 1 ? -1 : Long.parseLong(id.substring(dash + 1), 36);
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Consumes an id: each prediction takes feedback once, while it is in the window. */
    Match take(String id) {
        if (id == null || !id.startsWith(prefix) || id.length() == prefix.length()) {
            return new Match(Status.UNKNOWN, -1);
        }
        long seq;
        try {
            seq = Long.parseLong(id.substring(prefix.length()), 36);
        } catch (NumberFormatException e) {
            return new Match(Status.UNKNOWN, -1);
        }
        if (seq < 0 || seq >= next.get()) {
            return new Match(Status.UNKNOWN, -1);
        }
        int slot = slot(seq);
        while (true) {
            long v = slots.get(slot);
            if ((v >>> 3) != seq + 1) {
                return new Match(Status.UNKNOWN, -1);
            }
            if ((v & USED_BIT) != 0) {
                return new Match(Status.DUPLICATE, (int) (v & CLASS_BIT));
            }
            if (slots.compareAndSet(slot, v, v | USED_BIT)) {
                return new Match(Status.ACCEPTED, (int) (v & CLASS_BIT), (v & MIRRORED_BIT) != 0);
            }
        }
    }

    private int slot(long seq) {
        return (int) (seq % capacity);
    }
}
