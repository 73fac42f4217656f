package io.mlcycle.operator.common;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses the short durations of our specs: 30s, 10m, 2h, 7d. */
public final class Durations {

    private static final Pattern SHAPE = Pattern.compile("^([0-9]+)(s|m|h|d)$");

    private Durations() {}

    /**
     * @param field the spec field the value came from, named in the error
     * @throws IllegalArgumentException naming the field and value when it does not parse
     */
    public static Duration parse(String value, String field) {
        Matcher m = value == null ? null : SHAPE.matcher(value.trim());
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException(
                    field + ": '" + value + "' is not a duration like 30s, 10m, 2h or 7d");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            default -> Duration.ofDays(n);
        };
    }

    /** The shortest of the given durations, skipping nulls; null when all are null. */
    public static Duration earliest(Duration... durations) {
        Duration min = null;
        for (Duration d : durations) {
            if (d != null && (min == null || d.compareTo(min) < 0)) {
                min = d;
            }
        }
        return min;
    }

    /** Whole days of a duration such as 7d; fails naming the field when it is not whole days. */
    public static int days(String value, String field) {
        Duration d = parse(value, field);
        if (d.isZero() || d.toSeconds() % 86400 != 0) {
            throw new IllegalArgumentException(
                    field + ": '" + value + "' must be a positive number of days, e.g. 7d");
        }
        return (int) d.toDays();
    }
}
