package io.mlcycle.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.mlcycle.operator.testing.ProjectRoot;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** The committed ModelDeployment schema rejects a broken spec.rollout.shadow naming the field. */
@UnitTier
class ShadowCrdValidationTest {

    static CrdSchemaValidator validator;

    @BeforeAll
    static void loadSchemas() throws IOException {
        validator = new CrdSchemaValidator(ProjectRoot.get().resolve("crds"));
    }

    private static JsonNode broken() throws IOException {
        return CrdSchemaValidator.YAML.readTree(
                """
                apiVersion: mlcycle.io/v1alpha1
                kind: ModelDeployment
                metadata:
                  name: shadow-broken
                spec:
                  model: m
                  rollout:
                    canary:
                      weight: 10
                    shadow:
                      version: 3
                      latestApproved: true
                      percent: 0
                      margin: -0.1
                      metric: auc
                """);
    }

    @Test
    void everyBrokenShadowFieldIsNamed() throws IOException {
        assertThat(validator.validate(broken()))
                .anyMatch(
                        e -> e.equals("spec.rollout.shadow.percent: 0 is less than the minimum 1"))
                .anyMatch(e -> e.startsWith("spec.rollout.shadow.margin: -0.1 is less than"))
                .anyMatch(
                        e -> e.startsWith("spec.rollout.shadow.metric: unsupported value \"auc\""))
                .anyMatch(
                        e ->
                                e.equals(
                                        "spec.rollout.shadow: rollout.shadow needs exactly one of"
                                                + " version or latestApproved: true"))
                .anyMatch(e -> e.equals("spec: rollout.shadow and rollout.canary are exclusive"))
                .anyMatch(
                        e ->
                                e.equals(
                                        "spec: rollout.shadow needs spec.rollback: its prometheus"
                                                + " holds the online metrics"));
    }

    @Test
    void aShadowOfTheLatestApprovedVersionWithAnAnalysisIsValid() throws IOException {
        JsonNode doc = broken();
        ObjectNode rollout = (ObjectNode) doc.at("/spec/rollout");
        rollout.remove("canary");
        ObjectNode shadow = (ObjectNode) rollout.get("shadow");
        shadow.remove("version");
        shadow.put("percent", 10).put("margin", 0.01).put("metric", "f1");
        ObjectNode rollback = ((ObjectNode) doc.get("spec")).putObject("rollback");
        rollback.putObject("prometheus").put("url", "http://prometheus:9090");
        rollback.putArray("metrics").addObject().put("name", "p").put("query", "x").put("min", 0.5);
        assertThat(validator.validate(doc)).isEmpty();
    }
}
