package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.mlcycle.operator.analysis.Decision;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.RollbackRecord;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Unit: the pure decisions behind rollback analysis and version changes. */
@UnitTier
class RollbackDecisionsTest {

    private static final Instant NOW = Instant.parse("2026-12-07T04:00:00Z");
    private static final Duration INTERVAL = Duration.ofSeconds(30);

    private static ModelDeploymentStatus.Analysis ranAt(int version, Instant at) {
        ModelDeploymentStatus.Analysis a = new ModelDeploymentStatus.Analysis();
        a.version = version;
        a.lastRun = at.toString();
        return a;
    }

    private static ModelVersion mv(int n, String rolledBackMark) {
        ModelVersion mv = new ModelVersion();
        mv.setMetadata(
                new ObjectMetaBuilder()
                        .withName("m-v" + n)
                        .withAnnotations(
                                rolledBackMark == null
                                        ? Map.of()
                                        : Map.of(
                                                ModelVersion.ROLLED_BACK_ANNOTATION,
                                                rolledBackMark))
                        .build());
        mv.setSpec(new ModelVersionSpec());
        mv.getSpec().model = "m";
        mv.getSpec().version = n;
        return mv;
    }

    @Test
    void aRoundIsDueAnIntervalAfterTheLastRoundOfTheSameVersion() {
        assertThat(RollbackDecisions.untilDue(null, 3, INTERVAL, NOW)).isEmpty();
        assertThat(RollbackDecisions.untilDue(ranAt(3, NOW.minusSeconds(10)), 3, INTERVAL, NOW))
                .contains(Duration.ofSeconds(20));
        assertThat(RollbackDecisions.untilDue(ranAt(3, NOW.minusSeconds(30)), 3, INTERVAL, NOW))
                .as("the interval has passed")
                .isEmpty();
        assertThat(RollbackDecisions.untilDue(ranAt(2, NOW.minusSeconds(10)), 3, INTERVAL, NOW))
                .as("another version: a round at once")
                .isEmpty();
    }

    @Test
    void aVersionJustSeenServingIsFirstAnalysedAnIntervalLaterNotOnWhatItsPodsGaveWhileLoading() {
        assertThat(RollbackDecisions.firstSight(null, 3)).isTrue();
        assertThat(RollbackDecisions.firstSight(ranAt(2, NOW.minusSeconds(90)), 3)).isTrue();
        assertThat(RollbackDecisions.firstSight(ranAt(3, NOW.minusSeconds(90)), 3)).isFalse();
        ModelDeploymentStatus.Analysis pending = RollbackDecisions.pending(3, NOW);
        assertThat(pending.verdict).isEqualTo("Pending");
        assertThat(pending.consecutiveFailures).isZero();
        assertThat(RollbackDecisions.firstSight(pending, 3)).isFalse();
        assertThat(RollbackDecisions.untilDue(pending, 3, INTERVAL, NOW)).contains(INTERVAL);
        assertThat(RollbackDecisions.untilDue(pending, 3, INTERVAL, NOW.plus(INTERVAL))).isEmpty();
    }

    @Test
    void theRolledBackReasonSaysWhetherAMetricWasOutOfBoundsOrTheDataStayedMissing() {
        Decision.Rollback bounds = new Decision.Rollback(3, "error-rate", 0.4, "error-rate 0.4");
        Decision.Rollback noData = new Decision.Rollback(3, "error-rate", null, "no data");
        assertThat(RollbackDecisions.conditionReason("RolledBack", bounds))
                .isEqualTo("MetricOutOfBounds");
        assertThat(RollbackDecisions.conditionReason("RolledBack", noData))
                .isEqualTo("AnalysisInconclusive");
        assertThat(RollbackDecisions.conditionReason("CanaryAborted", bounds))
                .isEqualTo("CanaryAborted");
        RollbackRecord r =
                RollbackDecisions.record(
                        5, 4, bounds, RollbackDecisions.rolledBackMessage(5, 4, bounds), NOW);
        assertThat(r.message)
                .isEqualTo(
                        "rolled back from version 5 to 4: error-rate 0.4 for 3 analyses in a row");
        assertThat(r.metric).isEqualTo("error-rate");
        assertThat(r.value).isEqualTo(0.4);
        assertThat(r.at).isEqualTo(NOW.toString());
        assertThat(RollbackDecisions.noTargetMessage(5, bounds))
                .isEqualTo(
                        "error-rate 0.4; no approved version below 5 to roll back to, still"
                                + " serving it");
    }

    @Test
    void aSequentialRollbackSaysItsIntervalNotHowManyAnalysesInARowFailed() {
        Decision.Rollback sequential =
                new Decision.Rollback(0, "accuracy", 0.7, "accuracy = 0.7000: below min 0.8");

        assertThat(RollbackDecisions.rolledBackMessage(5, 4, sequential))
                .isEqualTo("rolled back from version 5 to 4: accuracy = 0.7000: below min 0.8");
    }

    @Test
    void aLostRollbackIsReadOnlyFromThisDeploymentsMarkOnTheVersion() {
        List<ModelVersion> mvs =
                List.of(mv(4, null), mv(5, "churn: error-rate 0.4"), mv(6, "other: latency"));
        assertThat(RollbackDecisions.markedWhy(mvs, "churn", 5)).contains("error-rate 0.4");
        assertThat(RollbackDecisions.markedWhy(mvs, "churn", 6)).isEmpty();
        assertThat(RollbackDecisions.markedWhy(mvs, "churn", 4)).isEmpty();
    }

    @Test
    void aVersionChangeIsARollbackWhenTheNewestRollbackWentToIt() {
        RollbackRecord newest = new RollbackRecord();
        newest.toVersion = 4;
        RollbackRecord older = new RollbackRecord();
        older.toVersion = 2;
        assertThat(RollbackDecisions.lastRollbackWentTo(List.of(newest, older), 4)).isTrue();
        assertThat(RollbackDecisions.lastRollbackWentTo(List.of(newest, older), 2)).isFalse();
        assertThat(RollbackDecisions.lastRollbackWentTo(List.of(), 4)).isFalse();
    }
}
