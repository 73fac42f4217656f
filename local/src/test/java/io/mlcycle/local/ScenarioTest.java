package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class ScenarioTest {

    static GenericKubernetesResource r(String kind, String name, Map<String, Object> status) {
        return resource(kind, name, Map.of("status", status));
    }

    static GenericKubernetesResource resource(
            String kind, String name, Map<String, Object> properties) {
        return new GenericKubernetesResourceBuilder()
                .withApiVersion(ResourceTable.API_VERSION)
                .withKind(kind)
                .withNewMetadata()
                .withName(name)
                .withNamespace("default")
                .endMetadata()
                .withAdditionalProperties(properties)
                .build();
    }

    static Map<String, List<GenericKubernetesResource>> state(
            String fvPhase, String trPhase, Boolean mvApproved, Map<String, Object> md) {
        return Map.of(
                "FeatureView",
                List.of(r("FeatureView", "kpi", Map.of("phase", fvPhase))),
                "TrainingRun",
                List.of(r("TrainingRun", "t", Map.of("phase", trPhase))),
                "ModelVersion",
                mvApproved == null
                        ? List.of()
                        : List.of(r("ModelVersion", "t-v1", Map.of("approved", mvApproved))),
                "ModelDeployment",
                List.of(r("ModelDeployment", "d", md)));
    }

    @Test
    void doneWhenEverythingIsReadyAndTheDeploymentServesAVersion() {
        var s =
                Scenario.evaluate(
                        state(
                                "Ready",
                                "Succeeded",
                                true,
                                Map.of(
                                        "phase",
                                        "Available",
                                        "currentVersion",
                                        1,
                                        "readyReplicas",
                                        1)));
        assertThat(s).isEqualTo(new Scenario.Done("md/d serves v1;"));
    }

    @Test
    void aFailedFeatureViewOrADegradedDeploymentFailsTheRun() {
        assertThat(Scenario.evaluate(state("Failed", "Pending", null, Map.of("phase", "Pending"))))
                .isInstanceOf(Scenario.Failed.class);
        assertThat(
                        Scenario.evaluate(
                                state("Ready", "Succeeded", true, Map.of("phase", "Degraded"))))
                .isInstanceOf(Scenario.Failed.class);
    }

    @Test
    void trainingThatRegistersOnlyRejectedVersionsFailsInsteadOfWaitingForever() {
        var s = Scenario.evaluate(state("Ready", "Succeeded", false, Map.of("phase", "Pending")));
        assertThat(s).isInstanceOf(Scenario.Failed.class);
        assertThat(((Scenario.Failed) s).message()).contains("no ModelVersion was approved");
    }

    @Test
    void stillRunningWhileTheDeploymentWaitsForItsFirstReadyReplica() {
        assertThat(
                        Scenario.evaluate(
                                state(
                                        "Ready",
                                        "Succeeded",
                                        true,
                                        Map.of("phase", "Progressing", "currentVersion", 1))))
                .isInstanceOf(Scenario.Running.class);
    }

    /** A resource with spec.online, its phase and one condition. */
    static GenericKubernetesResource online(
            String kind,
            String name,
            Map<String, Object> status,
            String type,
            String cond,
            String reason) {
        Map<String, Object> st = new java.util.HashMap<>(status);
        st.put(
                "conditions",
                List.of(Map.of("type", type, "status", cond, "reason", reason, "message", "m")));
        return resource(
                kind,
                name,
                Map.of(
                        "spec",
                        Map.of("online", Map.of("redis", Map.of("url", "redis://r/0"))),
                        "status",
                        st));
    }

    static Map<String, List<GenericKubernetesResource>> onlineState(
            String synced, String syncedReason, String stale) {
        return Map.of(
                "FeatureView",
                List.of(
                        online(
                                "FeatureView",
                                "fv",
                                Map.of("phase", "Ready"),
                                "OnlineSynced",
                                synced,
                                syncedReason)),
                "ModelDeployment",
                List.of(
                        online(
                                "ModelDeployment",
                                "d",
                                Map.of(
                                        "phase",
                                        "Available",
                                        "currentVersion",
                                        1,
                                        "readyReplicas",
                                        1),
                                "OnlineFeaturesStale",
                                stale,
                                "OnlineUpToDate")));
    }

    @Test
    void onlineResourcesAreDoneOnlyOnceTheOnlineStoreIsSyncedAndNotStale() {
        assertThat(Scenario.evaluate(onlineState("True", "Synced", "False")))
                .isInstanceOf(Scenario.Done.class);
        assertThat(Scenario.evaluate(onlineState("False", "Behind", "False")))
                .isInstanceOf(Scenario.Running.class);
        assertThat(Scenario.evaluate(onlineState("True", "Synced", "True")))
                .isInstanceOf(Scenario.Running.class);
    }

    @Test
    void aFailedOnlineWriteFailsTheRunThoughTheTableIsReady() {
        var s = Scenario.evaluate(onlineState("False", "OnlineWriteFailed", "False"));
        assertThat(s).isInstanceOf(Scenario.Failed.class);
        assertThat(((Scenario.Failed) s).message()).contains("could not write the online store");
    }
}
