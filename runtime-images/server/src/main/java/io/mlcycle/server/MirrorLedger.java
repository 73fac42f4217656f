package io.mlcycle.server;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * What became of each mirrored prediction's inference copy, so its feedback goes to the challenger
 * only after the copy was answered: at once when it was, held until it is while it is in flight,
 * dropped when the copy failed or was dropped. Indexed by the prediction's sequence number in a
 * ring as big as the champion's feedback window (ids older than that take no feedback anyway).
 */
final class MirrorLedger {

    /** An inference copy: the predictions it carries and what became of it. */
    static final class Copy {
        private final long first;
        private final int rows;
        private Boolean answered;
        private List<Post> waiting;

        Copy(long first, int rows) {
            this.first = first;
            this.rows = rows;
        }

        private boolean covers(long seq) {
            return seq >= first && seq < first + rows;
        }
    }

    /** One post's forwarded feedback: sent once none of its predictions is in flight any more. */
    static final class Post {
        /** Entries whose copy was answered: to send. */
        final List<FeedbackEntry> ready = new ArrayList<>();

        /** Entries whose copy failed or was dropped (or is unknown): not sent, counted. */
        int lost;

        private final Map<Copy, List<FeedbackEntry>> held = new IdentityHashMap<>(2);
    }

    private final Copy[] ring;

    MirrorLedger(int capacity) {
        this.ring = new Copy[capacity];
    }

    /** Notes a copy before it is queued: its predictions' feedback waits for its answer. */
    synchronized Copy expect(String firstId, int rows) {
        long first = FeedbackWindow.seq(firstId);
        Copy c = new Copy(first, first < 0 ? 0 : rows);
        for (int i = 0; i < c.rows; i++) {
            ring[slot(first + i)] = c;
        }
        return c;
    }

    /**
     * Records the copy's end ({@code answered}: the challenger answered 200) and returns the posts
     * that no longer wait for anything.
     */
    synchronized List<Post> ended(Copy c, boolean answered) {
        c.answered = answered;
        List<Post> due = new ArrayList<>();
        if (c.waiting != null) {
            for (Post p : c.waiting) {
                List<FeedbackEntry> mine = p.held.remove(c);
                if (answered) {
                    p.ready.addAll(mine);
                } else {
                    p.lost += mine.size();
                }
                if (p.held.isEmpty()) {
                    due.add(p);
                }
            }
            c.waiting = null;
        }
        return due;
    }

    /**
     * Sorts a post's entries: ready (the copy was answered), lost (failed, dropped or unknown) or
     * held by their copy still in flight. Returns the post when nothing holds it, else null: the
     * copy that ends last hands it back from {@link #ended}.
     */
    synchronized Post sort(List<FeedbackEntry> entries) {
        Post p = new Post();
        for (FeedbackEntry e : entries) {
            long seq = FeedbackWindow.seq(e.predictionId());
            Copy c = seq < 0 ? null : ring[slot(seq)];
            if (c == null || !c.covers(seq) || Boolean.FALSE.equals(c.answered)) {
                p.lost++;
            } else if (c.answered != null) {
                p.ready.add(e);
            } else {
                List<FeedbackEntry> mine = p.held.get(c);
                if (mine == null) {
                    mine = new ArrayList<>(2);
                    p.held.put(c, mine);
                    if (c.waiting == null) {
                        c.waiting = new ArrayList<>(2);
                    }
                    c.waiting.add(p);
                }
                mine.add(e);
            }
        }
        return p.held.isEmpty() ? p : null;
    }

    private int slot(long seq) {
        return (int) (seq % ring.length);
    }
}
