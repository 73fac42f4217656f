package io.mlcycle.operator.trainingrun;

import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class TrainingTriggersTest {

    static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");

    static FeatureResolver.Resolution resolved(String asOf) {
        return new FeatureResolver.Resolution(
                asOf, List.of(new FeatureInput("fv", asOf, "file:/t/" + asOf)), "id", null);
    }

    static final FeatureResolver.Resolution MISSING =
            new FeatureResolver.Resolution(null, List.of(), "id", "FeatureView fv has no table");

    static TrainingRunStatus trained(long generation, String asOf) {
        TrainingRunStatus s = new TrainingRunStatus();
        s.trainedGeneration = generation;
        s.trainedInputs = Map.of("fv", asOf);
        return s;
    }

    /** What it decides now with inputs at as-of 2026-11-19. */
    static TrainingTriggers.Decision withNewAsOf(
            TrainingRunSpec spec, TrainingRunStatus status, long generation) {
        return TrainingTriggers.decide(spec, status, generation, resolved("2026-11-19"), NOW);
    }

    @Test
    void aNewRunTrainsOnceItsInputsResolveKeyedByGenerationAndInputs() {
        TrainingRunSpec spec = new TrainingRunSpec();
        TrainingRunStatus status = new TrainingRunStatus();
        assertThat(TrainingTriggers.decide(spec, status, 1L, MISSING, NOW).train()).isFalse();

        var d = TrainingTriggers.decide(spec, status, 1L, resolved("2026-11-19"), NOW);
        assertThat(d.trigger()).contains(TrainingTriggers.CREATED);
        assertThat(d.key())
                .isEqualTo(TrainingTriggers.key(1L, Map.of("fv", "2026-11-19"), null))
                .startsWith("g1/");
        TrainingTriggers.started(status, 1L, resolved("2026-11-19"));
        assertThat(TrainingTriggers.decide(spec, status, 1L, resolved("2026-11-19"), NOW).train())
                .isFalse();
    }

    @Test
    void aSpecChangeRetrainsAndWinsOverAFeatureViewUpdate() {
        assertThat(withNewAsOf(new TrainingRunSpec(), trained(1, "2026-11-18"), 2).trigger())
                .contains(TrainingTriggers.SPEC_CHANGED);
    }

    @Test
    void aNewAsOfRetrainsUnlessOnFeatureViewUpdateIsFalse() {
        TrainingRunSpec spec = new TrainingRunSpec();
        assertThat(withNewAsOf(spec, trained(1, "2026-11-18"), 1).trigger())
                .contains(TrainingTriggers.FEATURE_VIEW_UPDATED);
        spec.retrain = new TrainingRunSpec.Retrain();
        spec.retrain.onFeatureViewUpdate = false;
        assertThat(withNewAsOf(spec, trained(1, "2026-11-18"), 1).train()).isFalse();
    }

    @Test
    void nothingStartsWhileATrainingIsActive() {
        TrainingRunStatus status = trained(1, "2026-11-18");
        status.active = new TrainingRunStatus.Attempt();
        assertThat(withNewAsOf(new TrainingRunSpec(), status, 2).train()).isFalse();
    }

    @Test
    void aNewScheduleWaitsForItsNextFireTimeThenTrainsKeyedByTheFireTime() {
        TrainingRunSpec spec = new TrainingRunSpec();
        spec.retrain = new TrainingRunSpec.Retrain();
        spec.retrain.schedule = "0 6 * * *";
        TrainingRunStatus status = trained(1, "2026-11-19");

        var first = TrainingTriggers.decide(spec, status, 1L, resolved("2026-11-19"), NOW);
        assertThat(first.train()).isFalse();
        assertThat(status.lastScheduleTime).isEqualTo(NOW.toString());
        assertThat(first.wakeAt()).contains(Instant.parse("2026-11-21T06:00:00Z"));

        Instant later = Instant.parse("2026-11-21T06:00:30Z");
        var fired = TrainingTriggers.decide(spec, status, 1L, resolved("2026-11-19"), later);
        assertThat(fired.trigger()).contains(TrainingTriggers.SCHEDULE);
        assertThat(fired.key()).endsWith("/2026-11-21T06:00:00Z");
        assertThat(status.pendingSchedule).isTrue();
    }

    @Test
    void aFireTimeWhileInputsAreMissingIsKeptUntilTheyResolve() {
        TrainingRunSpec spec = new TrainingRunSpec();
        spec.retrain = new TrainingRunSpec.Retrain();
        spec.retrain.schedule = "0 6 * * *";
        TrainingRunStatus status = trained(1, "2026-11-19");
        status.lastScheduleTime = NOW.toString();
        Instant fire = Instant.parse("2026-11-21T06:00:30Z");

        assertThat(TrainingTriggers.decide(spec, status, 1L, MISSING, fire).train()).isFalse();
        assertThat(status.pendingSchedule).isTrue();

        var d =
                TrainingTriggers.decide(
                        spec, status, 1L, resolved("2026-11-19"), fire.plusSeconds(3600));
        assertThat(d.trigger()).contains(TrainingTriggers.SCHEDULE);
        TrainingTriggers.started(status, 1L, resolved("2026-11-19"));
        assertThat(status.pendingSchedule).isNull();
        assertThat(
                        TrainingTriggers.decide(
                                        spec,
                                        status,
                                        1L,
                                        resolved("2026-11-19"),
                                        fire.plusSeconds(7200))
                                .trigger())
                .isEqualTo(Optional.empty());
    }
}
