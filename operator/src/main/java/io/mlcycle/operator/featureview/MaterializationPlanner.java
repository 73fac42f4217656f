package io.mlcycle.operator.featureview;

import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.api.featureview.FeatureViewStatus.Materialization;
import io.mlcycle.operator.common.Durations;
import io.mlcycle.operator.common.Schedules;

import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Decides which as-of dates to materialize now: one per spec change (no schedule), one per cron
 * fire time, each date of a backfill range, and retries of dates waiting for data — never more than
 * {@code maxConcurrent} pivot Jobs at once and never two for the same date. Pure: it reads the
 * existing Jobs and updates a copy of the status.
 */
public final class MaterializationPlanner {

    /** An existing pivot Job of this view. */
    public record JobInfo(String name, String asOf, int attempt, String trigger, boolean running) {}

    /** A Job to create. */
    public record Start(String asOf, int attempt, String trigger) {}

    /**
     * @param starts Jobs to create now
     * @param adopted queued items whose Job already exists (created before a lost status update)
     * @param wakeAt when to look again without any event (next fire time, next retry), if ever
     */
    public record Plan(
            List<Start> starts, List<Materialization> adopted, Optional<Instant> wakeAt) {}

    private MaterializationPlanner() {}

    /**
     * Plans on {@code status} (a copy, updated in place: queued, waiting, specHash,
     * lastScheduleTime, backfill); {@code spec} with its defaults ({@code Defaults.copy}).
     */
    public static Plan plan(
            FeatureViewSpec spec,
            FeatureViewStatus status,
            List<JobInfo> jobs,
            String specHash,
            Instant now) {
        ZoneId zone = Schedules.zone(spec.timeZone, "spec.timeZone");

        // 1. Triggers enqueue as-of dates.
        Optional<Instant> wake = retryWaiting(status, now);
        wake = enqueueTriggers(spec, status, specHash, zone, now, wake);
        trackBackfill(spec, status);

        // 2. Start queued dates, then backfill dates, while there is room.
        List<Start> starts = new ArrayList<>();
        List<Materialization> adopted = new ArrayList<>();
        int max = Math.max(1, spec.maxConcurrent);
        int running = (int) jobs.stream().filter(JobInfo::running).count();
        startQueued(status, jobs, max, running, starts, adopted);
        startBackfill(spec, status, jobs, max, running, starts);
        return new Plan(starts, adopted, wake);
    }

    /** Waiting dates whose retry time has come are queued again; the earliest other retry. */
    private static Optional<Instant> retryWaiting(FeatureViewStatus status, Instant now) {
        Optional<Instant> wake = Optional.empty();
        for (Materialization w : new ArrayList<>(status.waiting)) {
            Instant at = w.nextAttemptAt == null ? now : Instant.parse(w.nextAttemptAt);
            if (!at.isAfter(now)) {
                status.waiting.remove(w);
                int attempt = (w.attempt == null ? 1 : w.attempt) + 1;
                enqueue(status, w.asOf, attempt, "retry:" + w.asOf + ":" + attempt);
            } else {
                wake = earliest(wake, at);
            }
        }
        return wake;
    }

    /** A spec change or a schedule's fire time queues a date; the next fire time wakes us. */
    private static Optional<Instant> enqueueTriggers(
            FeatureViewSpec spec,
            FeatureViewStatus status,
            String specHash,
            ZoneId zone,
            Instant now,
            Optional<Instant> wake) {
        if (spec.schedule == null) {
            if (!specHash.equals(status.specHash)) {
                String asOf =
                        spec.asOf != null ? spec.asOf : LocalDate.ofInstant(now, zone).toString();
                enqueue(status, asOf, 1, "spec:" + specHash);
                status.specHash = specHash;
            }
        } else {
            Schedules schedule = Schedules.parse(spec.schedule, spec.timeZone, "spec.schedule");
            status.specHash = specHash;
            if (status.lastScheduleTime == null) {
                // Like a CronJob: a new schedule waits for its next fire time.
                status.lastScheduleTime = now.toString();
            } else {
                Optional<ZonedDateTime> last = schedule.lastFire(now);
                Instant previous = Instant.parse(status.lastScheduleTime);
                if (last.isPresent() && last.get().toInstant().isAfter(previous)) {
                    enqueue(
                            status,
                            last.get().toLocalDate().toString(),
                            1,
                            "schedule:" + last.get().toInstant());
                    status.lastScheduleTime = last.get().toInstant().toString();
                }
            }
            Optional<ZonedDateTime> next = schedule.nextFire(now);
            if (next.isPresent()) {
                wake = earliest(wake, next.get().toInstant());
            }
        }
        return wake;
    }

    /** The backfill range's progress, started afresh when the range changes. */
    private static void trackBackfill(FeatureViewSpec spec, FeatureViewStatus status) {
        if (spec.backfill != null) {
            String range = spec.backfill.from + ".." + spec.backfill.to;
            if (status.backfill == null || !range.equals(status.backfill.range)) {
                status.backfill = new FeatureViewStatus.BackfillProgress();
                status.backfill.range = range;
                status.backfill.next = spec.backfill.from;
                status.backfill.done = false;
            }
        } else {
            status.backfill = null;
        }
    }

    /**
     * Queued dates start while there is room and no Job runs for the date; one whose Job exists
     * (its creation reached no status) is adopted instead.
     */
    private static void startQueued(
            FeatureViewStatus status,
            List<JobInfo> jobs,
            int max,
            int running,
            List<Start> starts,
            List<Materialization> adopted) {
        for (Materialization q : new ArrayList<>(status.queued)) {
            Optional<JobInfo> existing =
                    jobs.stream().filter(j -> q.trigger.equals(j.trigger())).findFirst();
            if (existing.isPresent()) {
                status.queued.remove(q);
                Materialization m = copyOf(q);
                m.job = existing.get().name();
                m.attempt = existing.get().attempt();
                adopted.add(m);
                continue;
            }
            boolean busy =
                    jobs.stream().anyMatch(j -> j.running() && j.asOf().equals(q.asOf))
                            || starts.stream().anyMatch(s -> s.asOf().equals(q.asOf));
            if (busy || running + starts.size() >= max) {
                continue;
            }
            status.queued.remove(q);
            starts.add(new Start(q.asOf, attempt(jobs, q.asOf, q.attempt), q.trigger));
        }
    }

    /** The backfill's next dates start while there is room. */
    private static void startBackfill(
            FeatureViewSpec spec,
            FeatureViewStatus status,
            List<JobInfo> jobs,
            int max,
            int running,
            List<Start> starts) {
        if (status.backfill != null && !Boolean.TRUE.equals(status.backfill.done)) {
            LocalDate to = LocalDate.parse(spec.backfill.to);
            LocalDate next = LocalDate.parse(status.backfill.next);
            while (!next.isAfter(to) && running + starts.size() < max) {
                String asOf = next.toString();
                String trigger = "backfill:" + asOf;
                boolean exists = jobs.stream().anyMatch(j -> trigger.equals(j.trigger()));
                if (!exists) {
                    starts.add(new Start(asOf, attempt(jobs, asOf, 1), trigger));
                }
                next = next.plusDays(1);
            }
            status.backfill.next = next.toString();
            status.backfill.done = next.isAfter(to);
        }
    }

    /** The first attempt number not used by an existing Job of that date. */
    static int attempt(List<JobInfo> jobs, String asOf, Integer wanted) {
        int used =
                jobs.stream()
                        .filter(j -> j.asOf().equals(asOf))
                        .mapToInt(JobInfo::attempt)
                        .max()
                        .orElse(0);
        return Math.max(wanted == null ? 1 : wanted, used + 1);
    }

    private static void enqueue(
            FeatureViewStatus status, String asOf, int attempt, String trigger) {
        status.waiting.removeIf(w -> asOf.equals(w.asOf));
        status.queued.removeIf(q -> asOf.equals(q.asOf));
        Materialization m = new Materialization();
        m.asOf = asOf;
        m.attempt = attempt;
        m.trigger = trigger;
        status.queued.add(m);
    }

    private static Materialization copyOf(Materialization q) {
        Materialization m = new Materialization();
        m.asOf = q.asOf;
        m.attempt = q.attempt;
        m.trigger = q.trigger;
        return m;
    }

    private static Optional<Instant> earliest(Optional<Instant> a, Instant b) {
        return Optional.of(a.isEmpty() || b.isBefore(a.get()) ? b : a.get());
    }

    /** When a date waiting for data is tried again. */
    public static Instant nextAttempt(FeatureViewSpec spec, Instant now) {
        Duration poll = Durations.parse(spec.source.pollInterval, "spec.source.pollInterval");
        return now.plus(poll);
    }
}
