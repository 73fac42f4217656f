package io.mlcycle.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.operator.testing.ProjectRoot;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every YAML under {@code examples/} is a valid mlcycle resource by the committed CRD schemas
 * (which {@link CrdFilesInSyncTest} keeps equal to the generated ones); broken ones are rejected
 * with the field named.
 */
@UnitTier
class ExamplesValidationTest {

    static CrdSchemaValidator validator;

    @BeforeAll
    static void loadSchemas() throws IOException {
        validator = new CrdSchemaValidator(ProjectRoot.get().resolve("crds"));
    }

    static List<JsonNode> documents(InputStream in) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (var it = CrdSchemaValidator.YAML.readerFor(JsonNode.class).readValues(in)) {
            while (it.hasNext()) {
                JsonNode n = (JsonNode) it.next();
                if (n != null && !n.isNull() && !n.isMissingNode() && n.size() > 0) {
                    docs.add(n);
                }
            }
        }
        return docs;
    }

    @Test
    void everyExampleYamlIsValidAgainstTheGeneratedSchemas() throws IOException {
        Path examples = ProjectRoot.get().resolve("examples").toRealPath();
        List<Path> files;
        try (Stream<Path> walk = Files.walk(examples)) {
            files =
                    walk.filter(
                                    p ->
                                            p.toString().endsWith(".yaml")
                                                    || p.toString().endsWith(".yml"))
                            .filter(p -> !p.toString().contains("/target/"))
                            .sorted()
                            .toList();
        }
        assertThat(files)
                .extracting(p -> examples.relativize(p).toString())
                .contains("feature-view.yaml", "training-run.yaml", "model-deployment.yaml");
        List<String> errors = new ArrayList<>();
        int resources = 0;
        for (Path file : files) {
            try (InputStream in = Files.newInputStream(file)) {
                for (JsonNode doc : documents(in)) {
                    if (!doc.path("apiVersion").asText().startsWith("mlcycle.io/")) {
                        continue;
                    }
                    resources++;
                    for (String e : validator.validate(doc)) {
                        errors.add(
                                examples.relativize(file)
                                        + " "
                                        + doc.path("metadata").path("name").asText()
                                        + ": "
                                        + e);
                    }
                }
            }
        }
        assertThat(errors).as("schema errors in examples/").isEmpty();
        assertThat(resources).isGreaterThanOrEqualTo(4);
    }

    private List<String> errorsOf(String resource) throws IOException {
        try (InputStream in = getClass().getResourceAsStream("/broken-examples/" + resource)) {
            assertThat(in).as(resource).isNotNull();
            List<JsonNode> docs = documents(in);
            assertThat(docs).hasSize(1);
            return validator.validate(docs.get(0));
        }
    }

    @Test
    void brokenExampleIsRejectedWithTheFieldNamed() throws IOException {
        assertThat(errorsOf("feature-view-broken.yaml"))
                .anyMatch(e -> e.startsWith("spec.pivot.aggregate: unsupported value \"median\""))
                .anyMatch(e -> e.startsWith("spec.window: '7 days' does not match"))
                .anyMatch(e -> e.equals("spec.store: Required value"))
                .anyMatch(e -> e.equals("spec.source: source needs exactly one of uri and jdbc"))
                .anyMatch(
                        e -> e.equals("spec.backfill: backfill.from must not be after backfill.to"))
                .anyMatch(e -> e.equals("spec.maxConcurrent: 0 is less than the minimum 1"));
    }

    @Test
    void brokenTrainingRunIsRejectedWithTheFieldNamed() throws IOException {
        assertThat(errorsOf("training-run-broken.yaml"))
                .anyMatch(
                        e -> e.equals("spec.gates[0]: a gate needs min, max or minDeltaVsApproved"))
                .anyMatch(e -> e.equals("spec.validation: kfold needs folds >= 2"))
                .anyMatch(e -> e.equals("spec.labels.column: Required value"))
                .anyMatch(e -> e.startsWith("spec.algorithm: unsupported value \"forest\""))
                .anyMatch(e -> e.startsWith("spec.search.method: unsupported value \"bayes\""))
                .anyMatch(
                        e -> e.equals("spec.hyperparameters.epochs: must be an array, got NUMBER"))
                .anyMatch(e -> e.equals("spec.modelName: unknown field"));
    }

    @Test
    void celRulesApplyDefaultsFirst() throws IOException {
        // aggregate defaults to sum, so a pivot without value breaks the pivot rule
        String yaml =
                "apiVersion: mlcycle.io/v1alpha1\nkind: FeatureView\nmetadata: {name: x}\n"
                        + "spec:\n  entity: u\n  source: {uri: 'file:///a/'}\n  pivot: {key: k}\n"
                        + "  store: {uri: 'file:///s/'}\n";
        JsonNode doc = CrdSchemaValidator.YAML.readTree(yaml);
        assertThat(validator.validate(doc))
                .containsExactly("spec.pivot: pivot.value is required unless aggregate is count");
        ((com.fasterxml.jackson.databind.node.ObjectNode) doc.at("/spec/pivot"))
                .put("aggregate", "count");
        assertThat(validator.validate(doc)).isEmpty();
    }
}
