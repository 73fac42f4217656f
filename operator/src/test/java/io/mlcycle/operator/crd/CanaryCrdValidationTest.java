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

/** The committed ModelDeployment schema rejects a broken spec.rollout.canary naming the field. */
@UnitTier
class CanaryCrdValidationTest {

    static CrdSchemaValidator validator;

    @BeforeAll
    static void loadSchemas() throws IOException {
        validator = new CrdSchemaValidator(ProjectRoot.get().resolve("crds"));
    }

    private static JsonNode broken() throws IOException {
        try (InputStream in =
                CanaryCrdValidationTest.class.getResourceAsStream(
                        "/broken-examples/canary-broken.yaml")) {
            return CrdSchemaValidator.YAML.readTree(in);
        }
    }

    @Test
    void everyBrokenCanaryFieldIsNamed() throws IOException {
        assertThat(validator.validate(broken()))
                .anyMatch(
                        e ->
                                e.equals(
                                        "spec.rollout.canary.weight: 100 is greater than the maximum 99"))
                .anyMatch(e -> e.equals("spec.rollout.canary.steps: 0 is less than the minimum 1"))
                .anyMatch(
                        e ->
                                e.startsWith(
                                        "spec.rollout.canary.stepInterval: '5 minutes' does not match"))
                .anyMatch(
                        e ->
                                e.equals(
                                        "spec.rollout.canary.mode: unsupported value \"bayesian\","
                                                + " supported: [\"sequential\",\"threshold\"]"))
                .anyMatch(
                        e ->
                                e.equals(
                                        "spec.rollout.canary: rollout.canary.maxWeight must be at"
                                                + " least weight"))
                .anyMatch(
                        e ->
                                e.equals(
                                        "spec: rollout.canary needs spec.rollback: its prometheus"
                                                + " and metrics judge the canary"));
    }

    @Test
    void theSameCanaryWithSaneValuesAndAnAnalysisIsValid() throws IOException {
        JsonNode doc = broken();
        ObjectNode canary = (ObjectNode) doc.at("/spec/rollout/canary");
        canary.put("weight", 10).put("steps", 3).put("maxWeight", 30).put("stepInterval", "5m");
        canary.put("mode", "sequential");
        ObjectNode rollback = ((ObjectNode) doc.get("spec")).putObject("rollback");
        rollback.putObject("prometheus").put("url", "http://prometheus:9090");
        rollback.putArray("metrics")
                .addObject()
                .put("name", "p")
                .put("query", "x{version=\"{{version}}\"}")
                .put("min", 0.5);
        assertThat(validator.validate(doc)).isEmpty();
    }
}
