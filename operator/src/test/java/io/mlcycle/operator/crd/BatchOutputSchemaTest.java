package io.mlcycle.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.operator.testing.ProjectRoot;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** The ModelDeployment schema's rules for spec.batch.output.format and its catalog. */
@UnitTier
class BatchOutputSchemaTest {

    static CrdSchemaValidator validator;

    @BeforeAll
    static void loadSchemas() throws IOException {
        validator = new CrdSchemaValidator(ProjectRoot.get().resolve("crds"));
    }

    static JsonNode deployment(String outputExtra) throws IOException {
        return CrdSchemaValidator.YAML.readTree(
                "apiVersion: mlcycle.io/v1alpha1\nkind: ModelDeployment\nmetadata: {name: x}\n"
                        + "spec:\n  model: m\n"
                        + "  batch:\n    schedule: '0 5 * * *'\n"
                        + "    output:\n      uri: 'file:///scores/'\n"
                        + outputExtra);
    }

    @Test
    void anOutputWithoutFormatOrAnIcebergOutputWithItsCatalogIsValid() throws IOException {
        assertThat(validator.validate(deployment(""))).isEmpty();
        assertThat(
                        validator.validate(
                                deployment(
                                        "      format: iceberg\n      catalog:\n"
                                                + "        type: jdbc\n"
                                                + "        uri: jdbc:postgresql://pg:5432/lake\n"
                                                + "        credentialsSecret: {name: lake}\n")))
                .isEmpty();
    }

    @Test
    void anIcebergOutputWithoutCatalogOrAnUnknownFormatIsRejectedNamingTheField()
            throws IOException {
        assertThat(validator.validate(deployment("      format: iceberg\n")))
                .containsExactly(
                        "spec.batch.output: batch.output.catalog is required with"
                                + " batch.output.format iceberg");
        assertThat(validator.validate(deployment("      format: delta\n")))
                .singleElement()
                .satisfies(
                        e ->
                                assertThat(e)
                                        .startsWith(
                                                "spec.batch.output.format: unsupported value"
                                                        + " \"delta\""));
    }
}
