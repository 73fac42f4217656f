package io.mlcycle.operator.trainingrun;

import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.operator.common.Schedules;
import io.mlcycle.task.TaskJson;

import java.time.Instant;
import java.time.ZonedDateTime;
import java.util.Map;
import java.util.Optional;

/**
 * Decides whether a TrainingRun trains now and why: its creation, a spec change (a new generation),
 * a referenced FeatureView's new as-of (unless {@code retrain.onFeatureViewUpdate: false}) or a
 * {@code retrain.schedule} fire time — at most one training at a time, and only once every input is
 * resolved. A fire time that cannot run yet is remembered ({@code status.pendingSchedule}); a new
 * schedule waits for its next fire time, like a CronJob. Pure: it updates a copy of the status.
 */
public final class TrainingTriggers {

    public static final String CREATED = "Created";
    public static final String SPEC_CHANGED = "SpecChanged";
    public static final String FEATURE_VIEW_UPDATED = "FeatureViewUpdated";
    public static final String SCHEDULE = "Schedule";

    /**
     * @param trigger why the run trains now; empty when it does not
     * @param key the training key of that training (null when it does not train)
     * @param wakeAt the next schedule fire time, when there is a schedule
     */
    public record Decision(Optional<String> trigger, String key, Optional<Instant> wakeAt) {
        public boolean train() {
            return trigger.isPresent();
        }
    }

    private TrainingTriggers() {}

    /**
     * Decides on {@code status} (a copy, updated in place: {@code lastScheduleTime}, {@code
     * pendingSchedule}).
     */
    public static Decision decide(
            TrainingRunSpec spec,
            TrainingRunStatus status,
            Long generation,
            FeatureResolver.Resolution inputs,
            Instant now) {
        String trigger = null;
        if (status.trainedGeneration == null) {
            trigger = CREATED;
        } else if (!generation.equals(status.trainedGeneration)) {
            trigger = SPEC_CHANGED;
        } else if (inputs.resolved()
                && (spec.retrain == null || !Boolean.FALSE.equals(spec.retrain.onFeatureViewUpdate))
                && !inputs.inputMap().equals(status.trainedInputs)) {
            trigger = FEATURE_VIEW_UPDATED;
        }
        Optional<Instant> wake = Optional.empty();
        if (spec.retrain != null && spec.retrain.schedule != null) {
            Schedules schedule =
                    Schedules.parse(spec.retrain.schedule, "UTC", "spec.retrain.schedule");
            if (status.lastScheduleTime == null) {
                status.lastScheduleTime = now.toString();
            } else {
                Optional<ZonedDateTime> last = schedule.lastFire(now);
                if (last.isPresent()
                        && last.get().toInstant().isAfter(Instant.parse(status.lastScheduleTime))) {
                    if (trigger == null) {
                        trigger = SCHEDULE;
                    }
                    status.lastScheduleTime = last.get().toInstant().toString();
                    status.pendingSchedule = true;
                }
            }
            wake = schedule.nextFire(now).map(ZonedDateTime::toInstant);
        }
        if (trigger == null && Boolean.TRUE.equals(status.pendingSchedule)) {
            trigger = SCHEDULE;
        }
        if (trigger == null || !inputs.resolved() || status.active != null) {
            return new Decision(Optional.empty(), null, wake);
        }
        String key =
                key(
                        generation,
                        inputs.inputMap(),
                        SCHEDULE.equals(trigger) ? status.lastScheduleTime : null);
        return new Decision(Optional.of(trigger), key, wake);
    }

    /** What a begun training satisfied: this generation, these inputs, any pending fire time. */
    public static void started(
            TrainingRunStatus status, Long generation, FeatureResolver.Resolution inputs) {
        status.trainedGeneration = generation;
        status.trainedInputs = inputs.inputMap();
        status.pendingSchedule = null;
    }

    /**
     * What one training is keyed by (its Job and its reserved version carry it): the spec
     * generation, the inputs' as-ofs and, for a scheduled retrain, the fire time.
     */
    static String key(Long generation, Map<String, String> inputs, String scheduleFire) {
        return "g"
                + generation
                + "/"
                + RuntimeObjects.shortHash(TaskJson.write(inputs))
                + "/"
                + (scheduleFire == null ? "" : scheduleFire);
    }
}
