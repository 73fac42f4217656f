package io.mlcycle.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.operator.testing.ProjectRoot;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The committed ModelDeployment schema rejects autoscaling with min above max and a disruption
 * budget that allows no eviction, naming the field; the scale subresource points at spec.replicas.
 */
@UnitTier
class ScalingCrdValidationTest {

    static CrdSchemaValidator validator;

    @BeforeAll
    static void loadSchemas() throws IOException {
        validator = new CrdSchemaValidator(ProjectRoot.get().resolve("crds"));
    }

    private static JsonNode broken() throws IOException {
        try (InputStream in =
                ScalingCrdValidationTest.class.getResourceAsStream(
                        "/broken-examples/scaling-broken.yaml")) {
            return CrdSchemaValidator.YAML.readTree(in);
        }
    }

    @Test
    void minAboveMaxBothTargetsAndABudgetThatBlocksEveryEvictionAreEachNamed() throws IOException {
        assertThat(validator.validate(broken()))
                .anyMatch(
                        e ->
                                e.equals(
                                        "spec.autoscaling: autoscaling.minReplicas must not exceed"
                                                + " autoscaling.maxReplicas"))
                .anyMatch(
                        e ->
                                e.equals(
                                        "spec.autoscaling: autoscaling needs exactly one of"
                                                + " targetCPUUtilizationPercentage or"
                                                + " targetRequestsPerSecond"))
                .anyMatch(
                        e ->
                                e.equals(
                                        "spec.disruption.maxUnavailable: 0 is less than the"
                                                + " minimum 1"))
                .anyMatch(
                        e -> e.startsWith("spec: disruption.minAvailable must be below replicas"));
    }

    @Test
    void theSameSpecWithSaneValuesIsValid() throws IOException {
        JsonNode doc = broken();
        ObjectNode autoscaling = (ObjectNode) doc.at("/spec/autoscaling");
        autoscaling.put("minReplicas", 2).put("maxReplicas", 6).remove("targetRequestsPerSecond");
        ObjectNode disruption = (ObjectNode) doc.at("/spec/disruption");
        disruption.put("maxUnavailable", 1).put("minAvailable", 1);
        assertThat(validator.validate(doc)).isEmpty();
    }

    @Test
    void kedaOnRequestsPerSecondNeedsAPrometheus() throws IOException {
        JsonNode doc = broken();
        ObjectNode autoscaling = (ObjectNode) doc.at("/spec/autoscaling");
        autoscaling
                .put("minReplicas", 2)
                .put("autoscaler", "keda")
                .remove("targetCPUUtilizationPercentage");
        ((ObjectNode) doc.get("spec")).remove("disruption");
        assertThat(validator.validate(doc))
                .containsExactly(
                        "spec: autoscaling with keda and targetRequestsPerSecond needs"
                                + " autoscaling.prometheusUrl or spec.rollback.prometheus");
        autoscaling.put("prometheusUrl", "http://prometheus.monitoring:9090");
        assertThat(validator.validate(doc)).isEmpty();
    }

    @Test
    void theScaleSubresourceReadsSpecAndStatusReplicasAndTheSelector() throws IOException {
        JsonNode crd =
                CrdSchemaValidator.YAML.readTree(
                        ProjectRoot.get()
                                .resolve("crds/modeldeployments.mlcycle.io-v1.yml")
                                .toFile());
        JsonNode scale = crd.at("/spec/versions/0/subresources/scale");
        assertThat(scale.path("specReplicasPath").asText()).isEqualTo(".spec.replicas");
        assertThat(scale.path("statusReplicasPath").asText()).isEqualTo(".status.replicas");
        assertThat(scale.path("labelSelectorPath").asText()).isEqualTo(".status.selector");
    }
}
