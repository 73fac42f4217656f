package io.mlcycle.operator.featureview;

import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.featureview.MaterializationPlanner.JobInfo;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class MaterializationPlannerTest {

    static final Instant NOW = Instant.parse("2026-11-20T12:00:00Z");

    @Test
    void oneMaterializationPerSpecChangeForTodayInTheTimeZone() {
        FeatureViewSpec spec = Fixtures.featureView("x").getSpec();
        spec.timeZone = "Asia/Tokyo"; // 21:00 on the 20th... and after 15:00 UTC it is the 21st
        FeatureViewStatus status = new FeatureViewStatus();
        var plan =
                MaterializationPlanner.plan(
                        spec, status, List.of(), "h1", Instant.parse("2026-11-20T16:00:00Z"));
        assertThat(plan.starts())
                .containsExactly(new MaterializationPlanner.Start("2026-11-21", 1, "spec:h1"));
        var again = MaterializationPlanner.plan(spec, status, List.of(), "h1", NOW);
        assertThat(again.starts()).isEmpty();
        var changed = MaterializationPlanner.plan(spec, status, List.of(), "h2", NOW);
        assertThat(changed.starts()).hasSize(1);
    }

    @Test
    void existingJobWithTheSameTriggerIsAdoptedNotDuplicated() {
        FeatureViewSpec spec = Fixtures.featureView("x").getSpec();
        spec.asOf = "2026-11-18";
        FeatureViewStatus status = new FeatureViewStatus();
        var plan =
                MaterializationPlanner.plan(
                        spec,
                        status,
                        List.of(
                                new JobInfo(
                                        "x-pivot-20261118-1", "2026-11-18", 1, "spec:h1", true)),
                        "h1",
                        NOW);
        assertThat(plan.starts()).isEmpty();
        assertThat(plan.adopted())
                .singleElement()
                .satisfies(m -> assertThat(m.job).isEqualTo("x-pivot-20261118-1"));
    }

    @Test
    void backfillNeverExceedsMaxConcurrentAndContinuesWhereItStopped() {
        FeatureViewSpec spec = Fixtures.featureView("x").getSpec();
        spec.schedule = "0 10 * * *";
        spec.maxConcurrent = 2;
        spec.backfill = new FeatureViewSpec.Backfill();
        spec.backfill.from = "2026-11-01";
        spec.backfill.to = "2026-11-05";
        FeatureViewStatus status = new FeatureViewStatus();
        var first = MaterializationPlanner.plan(spec, status, List.of(), "h", NOW);
        assertThat(first.starts())
                .extracting(MaterializationPlanner.Start::asOf)
                .containsExactly("2026-11-01", "2026-11-02");
        var busy =
                MaterializationPlanner.plan(
                        spec,
                        status,
                        List.of(
                                new JobInfo("a", "2026-11-01", 1, "backfill:2026-11-01", true),
                                new JobInfo("b", "2026-11-02", 1, "backfill:2026-11-02", true)),
                        "h",
                        NOW);
        assertThat(busy.starts()).isEmpty();
        var oneDone =
                MaterializationPlanner.plan(
                        spec,
                        status,
                        List.of(
                                new JobInfo("a", "2026-11-01", 1, "backfill:2026-11-01", false),
                                new JobInfo("b", "2026-11-02", 1, "backfill:2026-11-02", true)),
                        "h",
                        NOW);
        assertThat(oneDone.starts())
                .extracting(MaterializationPlanner.Start::asOf)
                .containsExactly("2026-11-03");
        assertThat(status.backfill.next).isEqualTo("2026-11-04");
        assertThat(first.wakeAt()).contains(Instant.parse("2026-11-21T10:00:00Z"));
    }

    @Test
    void scheduleFiresOncePerFireTimeAndDatesTheMaterializationByIt() {
        FeatureViewSpec spec = Fixtures.featureView("x").getSpec();
        spec.schedule = "0 10 * * *";
        FeatureViewStatus status = new FeatureViewStatus();
        assertThat(MaterializationPlanner.plan(spec, status, List.of(), "h", NOW).starts())
                .isEmpty();
        Instant later = Instant.parse("2026-11-22T11:00:00Z");
        var fired = MaterializationPlanner.plan(spec, status, List.of(), "h", later);
        // two fire times passed (21st and 22nd): like a CronJob, only the latest runs
        assertThat(fired.starts())
                .containsExactly(
                        new MaterializationPlanner.Start(
                                "2026-11-22", 1, "schedule:2026-11-22T10:00:00Z"));
        assertThat(MaterializationPlanner.plan(spec, status, List.of(), "h", later).starts())
                .isEmpty();
    }

    @Test
    void waitingDateIsRetriedWithTheNextAttemptOnceDue() {
        FeatureViewSpec spec = Fixtures.featureView("x").getSpec();
        spec.asOf = "2026-11-19";
        FeatureViewStatus status = new FeatureViewStatus();
        status.specHash = "h";
        FeatureViewStatus.Materialization w = new FeatureViewStatus.Materialization();
        w.asOf = "2026-11-19";
        w.attempt = 1;
        w.nextAttemptAt = "2026-11-20T12:10:00Z";
        status.waiting.add(w);
        var early =
                MaterializationPlanner.plan(
                        spec,
                        status,
                        List.of(new JobInfo("j1", "2026-11-19", 1, "spec:h", false)),
                        "h",
                        NOW);
        assertThat(early.starts()).isEmpty();
        assertThat(early.wakeAt()).contains(Instant.parse("2026-11-20T12:10:00Z"));
        var due =
                MaterializationPlanner.plan(
                        spec,
                        status,
                        List.of(new JobInfo("j1", "2026-11-19", 1, "spec:h", false)),
                        "h",
                        Instant.parse("2026-11-20T12:10:00Z"));
        assertThat(due.starts())
                .containsExactly(
                        new MaterializationPlanner.Start("2026-11-19", 2, "retry:2026-11-19:2"));
        assertThat(status.waiting).isEmpty();
    }
}
