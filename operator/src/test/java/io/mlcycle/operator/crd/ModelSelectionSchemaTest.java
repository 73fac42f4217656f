package io.mlcycle.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.operator.testing.ProjectRoot;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** The FeatureView schema's rules for spec.pivot.select, as the API server applies them. */
@UnitTier
class ModelSelectionSchemaTest {

    static CrdSchemaValidator validator;

    @BeforeAll
    static void loadSchemas() throws IOException {
        validator = new CrdSchemaValidator(ProjectRoot.get().resolve("crds"));
    }

    static JsonNode view(String select, String online) throws IOException {
        return CrdSchemaValidator.YAML.readTree(
                "apiVersion: mlcycle.io/v1alpha1\nkind: FeatureView\nmetadata: {name: x}\n"
                        + "spec:\n  entity: u\n  source: {uri: 'file:///a/'}\n"
                        + "  pivot: {key: k, aggregate: count, select: "
                        + select
                        + "}\n  store: {uri: 'file:///s/'}\n"
                        + online);
    }

    static final String ONLINE = "  online: {redis: {url: 'redis://r:6379/0'}}\n";

    @Test
    void aSelectionOfModelsWithAnOnlineStoreIsAccepted() throws IOException {
        assertThat(validator.validate(view("{fromModels: [churn]}", ONLINE))).isEmpty();
        assertThat(
                        validator.validate(
                                view(
                                        "{fromModels: [churn, upsell], topK: 20, margin: 100,"
                                                + " applyTo: online}",
                                        ONLINE)))
                .isEmpty();
    }

    @Test
    void badSelectionsAreRejectedNamingTheField() throws IOException {
        assertThat(validator.validate(view("{fromModels: [churn]}", "")))
                .containsExactly(
                        "spec: pivot.select narrows the online copy: it needs spec.online");
        assertThat(validator.validate(view("{fromModels: [churn], applyTo: both}", ONLINE)))
                .singleElement()
                .satisfies(
                        e -> assertThat(e).startsWith("spec.pivot.select: ").contains("not built"));
        assertThat(validator.validate(view("{fromModels: [], topK: 0, margin: -1}", ONLINE)))
                .containsExactlyInAnyOrder(
                        "spec.pivot.select.fromModels: must have at least 1 items",
                        "spec.pivot.select.topK: 0 is less than the minimum 1",
                        "spec.pivot.select.margin: -1 is less than the minimum 0");
    }
}
