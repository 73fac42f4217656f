package io.mlcycle.task;

import java.util.Locale;

/**
 * How far a runtime got, for {@code kubectl get}: one stdout line per step ({@value #PREFIX} and a
 * short text, e.g. {@code epoch 3/10, auc 0.8123}); the operator reads the last one from the
 * running pod's log into the resource's status.
 */
public final class Progress {

    public static final String PREFIX = "MLCYCLE_PROGRESS ";

    private Progress() {}

    /** Reports a step (a format and its arguments, rendered in the root locale). */
    public static void report(String format, Object... args) {
        String text = String.format(Locale.ROOT, format, args).replace('\n', ' ');
        System.out.println(PREFIX + text);
        System.out.flush();
    }

    /** The last progress text in a log, or null when it has none. */
    public static String last(String log) {
        if (log == null) {
            return null;
        }
        String found = null;
        for (String line : log.split("\n")) {
            int at = line.indexOf(PREFIX);
            if (at >= 0) {
                found = line.substring(at + PREFIX.length()).trim();
            }
        }
        return found == null || found.isEmpty() ? null : found;
    }
}
