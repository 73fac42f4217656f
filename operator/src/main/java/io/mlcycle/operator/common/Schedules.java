package io.mlcycle.operator.common;

import com.cronutils.model.Cron;
import com.cronutils.model.CronType;
import com.cronutils.model.definition.CronDefinitionBuilder;
import com.cronutils.model.time.ExecutionTime;
import com.cronutils.parser.CronParser;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.Optional;

/** UNIX cron schedules (5 fields, or @daily and friends) evaluated in a time zone. */
public final class Schedules {

    private static final CronParser PARSER =
            new CronParser(CronDefinitionBuilder.instanceDefinitionFor(CronType.UNIX));

    private static final Map<String, String> MACROS =
            Map.of(
                    "@yearly", "0 0 1 1 *",
                    "@annually", "0 0 1 1 *",
                    "@monthly", "0 0 1 * *",
                    "@weekly", "0 0 * * 0",
                    "@daily", "0 0 * * *",
                    "@midnight", "0 0 * * *",
                    "@hourly", "0 * * * *");

    private final ExecutionTime execution;
    private final ZoneId zone;
    private final String expression;

    private Schedules(String expression, ExecutionTime execution, ZoneId zone) {
        this.expression = expression;
        this.execution = execution;
        this.zone = zone;
    }

    /**
     * @param field the spec field, named in the error
     * @throws IllegalArgumentException naming the field when the expression or zone is invalid
     */
    public static Schedules parse(String expression, String timeZone, String field) {
        ZoneId zone = zone(timeZone, "timeZone");
        String expr = expression == null ? "" : expression.trim();
        String cron = MACROS.getOrDefault(expr, expr);
        try {
            Cron parsed = PARSER.parse(cron);
            parsed.validate();
            return new Schedules(expr, ExecutionTime.forCron(parsed), zone);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    field + ": '" + expression + "' is not a cron schedule: " + e.getMessage(), e);
        }
    }

    /** Parses a time zone id, failing with the field named. */
    public static ZoneId zone(String timeZone, String field) {
        try {
            return ZoneId.of(timeZone == null || timeZone.isBlank() ? "UTC" : timeZone);
        } catch (DateTimeException e) {
            throw new IllegalArgumentException(
                    field + ": '" + timeZone + "' is not a time zone (e.g. UTC, Europe/Paris)");
        }
    }

    public String expression() {
        return expression;
    }

    public ZoneId zone() {
        return zone;
    }

    /** The latest fire time at or before {@code now}. */
    public Optional<ZonedDateTime> lastFire(Instant now) {
        ZonedDateTime at = now.atZone(zone);
        if (execution.isMatch(at.withSecond(0).withNano(0)) && at.getSecond() == 0) {
            return Optional.of(at.withNano(0));
        }
        return execution.lastExecution(at);
    }

    /** The first fire time strictly after {@code now}. */
    public Optional<ZonedDateTime> nextFire(Instant now) {
        return execution.nextExecution(now.atZone(zone));
    }
}
