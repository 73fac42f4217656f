package io.mlcycle.trainer;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.TrainTask;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The task's {@code search} section resolved: which grid points are tried, in what order, and the
 * time after which no new trial starts.
 *
 * @param method grid, random or halving
 * @param trials points drawn by random
 * @param budget null: no limit
 */
record Search(String method, int trials, Duration budget) {

    static final List<String> METHODS = List.of("grid", "random", "halving");

    /** Successive halving keeps the best 1/ETA of the points at each rung. */
    static final int ETA = 3;

    private static final Pattern DURATION = Pattern.compile("(\\d+)(s|m|h)");

    static Search of(TrainTask.Search s) {
        String method = s.method().toLowerCase(Locale.ROOT);
        if (!METHODS.contains(method)) {
            throw TaskFailure.invalid(
                    "UnknownSearchMethod",
                    "search.method '" + s.method() + "' is not one of " + METHODS);
        }
        int trials = s.trials();
        if (trials < 1) {
            throw TaskFailure.invalid("InvalidSearch", "search.trials must be >= 1, got " + trials);
        }
        return new Search(method, trials, budget(s.budget()));
    }

    /** {@code 90s}, {@code 10m}, {@code 1h} (or several, e.g. {@code 1h30m}). */
    static Duration budget(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        Matcher m = DURATION.matcher(text.trim());
        Duration d = Duration.ZERO;
        int end = 0;
        while (m.find() && m.start() == end) {
            long n = Long.parseLong(m.group(1));
            d =
                    d.plus(
                            switch (m.group(2)) {
                                case "s" -> Duration.ofSeconds(n);
                                case "m" -> Duration.ofMinutes(n);
                                default -> Duration.ofHours(n);
                            });
            end = m.end();
        }
        if (end != text.trim().length() || d.isZero()) {
            throw TaskFailure.invalid(
                    "InvalidSearch",
                    "search.budget '" + text + "' is not a duration like 90s, 10m or 1h30m");
        }
        return d;
    }

    /** The points this search tries first: all (grid, halving) or {@code trials} drawn (random). */
    List<Fit.Params> points(List<Fit.Params> grid, long seed) {
        if (!method.equals("random") || grid.size() <= trials) {
            return grid;
        }
        List<Fit.Params> shuffled = new ArrayList<>(grid);
        java.util.Collections.shuffle(shuffled, new Random(seed));
        return List.copyOf(shuffled.subList(0, trials));
    }

    /** Whether the budget has run out {@code elapsedNanos} after the training started. */
    boolean exhausted(long elapsedNanos) {
        return budget != null && elapsedNanos >= budget.toNanos();
    }

    /** The epochs of a point at rung {@code rung} of {@code rungs} (halving), at least 1. */
    static Fit.Params atRung(Fit.Params p, int rung, int rungs) {
        int epochs = p.epochs();
        for (int r = rung; r < rungs - 1; r++) {
            epochs = epochs / ETA;
        }
        epochs = Math.max(1, epochs);
        return new Fit.Params(
                p.learningRate(),
                p.optimizer(),
                epochs,
                p.batchSize(),
                p.hiddenSize(),
                p.blocks(),
                p.dropout(),
                p.weightDecay(),
                p.learningRateSchedule());
    }

    /** Rungs successive halving needs to bring {@code points} down to one. */
    static int rungs(int points) {
        int rungs = 1;
        for (int n = points; n > 1; n = (n + ETA - 1) / ETA) {
            rungs++;
        }
        return rungs;
    }
}
