package io.mlcycle.operator.featureview;

import io.mlcycle.operator.api.Conditions;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.modeldeployment.OnlineStaleness;
import io.mlcycle.task.Summary;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class OnlineStatusTest {

    static final Instant NOW = Instant.parse("2026-11-20T06:00:00Z");

    static FeatureViewStatus.Materialization materialization(String asOf) {
        FeatureViewStatus.Materialization m = new FeatureViewStatus.Materialization();
        m.asOf = asOf;
        m.outcome = "Succeeded";
        return m;
    }

    static Summary online(String asOf, double switched) {
        return Summary.succeeded(
                "file:///f/asOf=" + asOf + "/",
                Map.of("entities", 10.0, "onlineEntities", 10.0, "onlineSwitched", switched),
                Map.of("onlineVersion", asOf.replace("-", "") + "-abcdef01", "onlineAsOf", asOf));
    }

    static FeatureViewSpec onlineSpec() {
        FeatureViewSpec spec = new FeatureViewSpec();
        spec.online = new FeatureViewSpec.Online();
        spec.online.redis = new FeatureViewSpec.Redis();
        spec.online.redis.url = "redis://r:6379/0";
        return spec;
    }

    @Test
    void anOlderBackfillThatDidNotSwitchLeavesTheOnlineVersion() {
        FeatureViewStatus status = new FeatureViewStatus();
        MaterializationRecorder.recordOnline(
                status, materialization("2026-11-19"), online("2026-11-19", 1), NOW);
        MaterializationRecorder.recordOnline(
                status, materialization("2026-11-10"), online("2026-11-10", 0), NOW);
        assertThat(status.online.asOf).isEqualTo("2026-11-19");
        assertThat(status.online.version).isEqualTo("20261119-abcdef01");
        assertThat(status.online.writtenAt).isEqualTo(NOW.toString());
    }

    @Test
    void aSummaryWithoutOnlineFiguresChangesNothing() {
        FeatureViewStatus status = new FeatureViewStatus();
        MaterializationRecorder.recordOnline(
                status,
                materialization("2026-11-19"),
                Summary.succeeded("file:///f/", Map.of("entities", 3.0), null),
                NOW);
        assertThat(status.online).isNull();
    }

    @Test
    void onlineSyncedIsFalseWhileTheOnlineStoreIsBehindTheLatestTable() {
        FeatureViewStatus status = new FeatureViewStatus();
        status.latest = materialization("2026-11-19");
        MaterializationRecorder.recordOnline(
                status, materialization("2026-11-18"), online("2026-11-18", 1), NOW);
        MaterializationRecorder.setOnlineCondition(onlineSpec(), status, 1L, NOW);
        assertThat(Conditions.find(status.conditions, "OnlineSynced"))
                .hasValueSatisfying(
                        c -> {
                            assertThat(c.getStatus()).isEqualTo("False");
                            assertThat(c.getReason()).isEqualTo("Behind");
                        });
        assertThat(MaterializationRecorder.onlineStale(status)).isTrue();

        status.latest = materialization("2026-11-18");
        MaterializationRecorder.setOnlineCondition(onlineSpec(), status, 1L, NOW);
        assertThat(Conditions.find(status.conditions, "OnlineSynced").orElseThrow().getStatus())
                .isEqualTo("True");
        assertThat(MaterializationRecorder.onlineStale(status)).isFalse();

        // without spec.online neither the condition nor status.online stay
        MaterializationRecorder.setOnlineCondition(new FeatureViewSpec(), status, 1L, NOW);
        assertThat(Conditions.find(status.conditions, "OnlineSynced")).isEmpty();
        assertThat(status.online).isNull();
    }

    @Test
    void aDeploymentCallsAViewWithoutSpecOnlineStale() {
        FeatureView fv = new FeatureView();
        fv.setSpec(new FeatureViewSpec());
        fv.setStatus(new FeatureViewStatus());
        fv.getStatus().latest = materialization("2026-11-19");
        ModelDeploymentStatus.OnlineFeatures o = OnlineStaleness.of("fv", fv);
        assertThat(o.stale).isTrue();
        assertThat(o.latestAsOf).isEqualTo("2026-11-19");
        assertThat(OnlineStaleness.of("gone", null).stale).isTrue();

        ModelDeploymentStatus md = new ModelDeploymentStatus();
        OnlineStaleness.setCondition(md, List.of(o), 1L, NOW);
        assertThat(Conditions.find(md.conditions, "OnlineFeaturesStale").orElseThrow().getReason())
                .isEqualTo("OnlineBehindLatest");
    }
}
