package io.mlcycle.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.operator.testing.ProjectRoot;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The CRDs' CEL rules are compiled and evaluated by Google's CEL for Java with {@code self} typed
 * from the schema: a rule the API server would reject fails here, transition rules see {@code
 * oldSelf} only on update.
 */
@UnitTier
class CelRulesTest {

    /** A CRD of kind Probe whose spec has {@code replicas}, {@code name} and {@code tags}. */
    private static Path crdWithRule(Path dir, String rule) throws IOException {
        String crd =
                """
                apiVersion: apiextensions.k8s.io/v1
                kind: CustomResourceDefinition
                spec:
                  names:
                    kind: Probe
                  versions:
                    - name: v1alpha1
                      schema:
                        openAPIV3Schema:
                          type: object
                          properties:
                            spec:
                              type: object
                              properties:
                                replicas:
                                  type: integer
                                ratio:
                                  type: number
                                name:
                                  type: string
                                tags:
                                  type: array
                                  items:
                                    type: string
                              x-kubernetes-validations:
                                - rule: "%s"
                                  message: the rule failed
                """
                        .formatted(rule.replace("\"", "\\\""));
        Files.writeString(dir.resolve("probes.mlcycle.io-v1.yml"), crd);
        return dir;
    }

    private static JsonNode probe(String spec) throws IOException {
        return CrdSchemaValidator.YAML.readTree(
                "apiVersion: mlcycle.io/v1alpha1\nkind: Probe\nmetadata: {name: p}\nspec: " + spec);
    }

    @Test
    void everyRuleOfTheGeneratedCrdsCompilesAgainstItsSchema() throws IOException {
        // The constructor compiles every x-kubernetes-validations rule and throws on the first
        // that does not; it must also have found the rules (a CRD with none would prove nothing).
        CrdSchemaValidator validator = new CrdSchemaValidator(ProjectRoot.get().resolve("crds"));
        JsonNode kfold =
                CrdSchemaValidator.YAML.readTree(
                        """
                        apiVersion: mlcycle.io/v1alpha1
                        kind: TrainingRun
                        metadata: {name: t}
                        spec:
                          model: m
                          features: [{name: f}]
                          labels: {uri: 'file:///l'}
                          modelsUri: 'file:///m'
                          validation: {method: kfold, folds: 1}
                        """);
        assertThat(validator.validate(kfold)).anyMatch(e -> e.startsWith("spec.validation: "));
    }

    @Test
    void aRuleReadingAFieldTheSchemaDoesNotHaveFailsToCompile(@TempDir Path dir) {
        assertThatThrownBy(() -> new CrdSchemaValidator(crdWithRule(dir, "self.replica >= 1")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("Probe.spec: rule 'self.replica >= 1' does not compile")
                .hasMessageContaining("undefined field 'replica'");
    }

    @Test
    void aRuleWithASyntaxErrorOrAWrongTypeFailsToCompile(@TempDir Path dir) {
        assertThatThrownBy(() -> new CrdSchemaValidator(crdWithRule(dir, "self.replicas >")))
                .hasMessageContaining("rule 'self.replicas >' does not compile");
        assertThatThrownBy(() -> new CrdSchemaValidator(crdWithRule(dir, "self.name > 1")))
                .hasMessageContaining("found no matching overload");
        assertThatThrownBy(() -> new CrdSchemaValidator(crdWithRule(dir, "self.replicas")))
                .hasMessageContaining("does not compile");
    }

    @Test
    void stringFunctionsSizeHasAndMacrosEvaluateAsTheApiServerDoes(@TempDir Path dir)
            throws IOException {
        var validator =
                new CrdSchemaValidator(
                        crdWithRule(
                                dir,
                                "self.name.startsWith('a') && size(self.name) <= 5"
                                        + " && (!has(self.tags) || self.tags.all(t,"
                                        + " t.lowerAscii() == t)) && self.ratio < self.replicas"));
        assertThat(validator.validate(probe("{name: abc, tags: [x], ratio: 0.5, replicas: 1}")))
                .isEmpty();
        assertThat(validator.validate(probe("{name: abcdef, ratio: 0.5, replicas: 1}")))
                .containsExactly("spec: the rule failed");
        assertThat(validator.validate(probe("{name: abc, tags: [X], ratio: 0.5, replicas: 1}")))
                .containsExactly("spec: the rule failed");
        assertThat(validator.validate(probe("{name: abc}")))
                .singleElement()
                .asString()
                .startsWith("spec: the rule failed (")
                .contains("ratio");
    }

    @Test
    void aTransitionRuleIsSkippedOnCreateAndComparesWithTheOldObjectOnUpdate(@TempDir Path dir)
            throws IOException {
        var validator =
                new CrdSchemaValidator(crdWithRule(dir, "self.replicas >= oldSelf.replicas"));
        assertThat(validator.validate(probe("{replicas: 1}"))).isEmpty();
        assertThat(validator.validateUpdate(probe("{replicas: 1}"), probe("{replicas: 2}")))
                .isEmpty();
        assertThat(validator.validateUpdate(probe("{replicas: 3}"), probe("{replicas: 2}")))
                .containsExactly("spec: the rule failed");
    }
}
