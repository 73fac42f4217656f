package io.mlcycle.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.operator.testing.ProjectRoot;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** The FeatureView schema's rules for spec.store.format and spec.store.catalog. */
@UnitTier
class IcebergStoreSchemaTest {

    static CrdSchemaValidator validator;

    @BeforeAll
    static void loadSchemas() throws IOException {
        validator = new CrdSchemaValidator(ProjectRoot.get().resolve("crds"));
    }

    static JsonNode view(String storeExtra) throws IOException {
        return CrdSchemaValidator.YAML.readTree(
                "apiVersion: mlcycle.io/v1alpha1\nkind: FeatureView\nmetadata: {name: x}\n"
                        + "spec:\n  entity: u\n  source: {uri: 'file:///a/'}\n"
                        + "  pivot: {key: k, aggregate: count}\n"
                        + "  store:\n    uri: 'file:///s/'\n"
                        + storeExtra);
    }

    @Test
    void aStoreWithoutFormatOrWithAnIcebergCatalogIsValid() throws IOException {
        assertThat(validator.validate(view(""))).isEmpty();
        assertThat(validator.validate(view("    format: parquet\n"))).isEmpty();
        assertThat(
                        validator.validate(
                                view(
                                        "    format: iceberg\n    catalog:\n      type: jdbc\n"
                                                + "      uri: jdbc:postgresql://pg:5432/lake\n"
                                                + "      credentialsSecret: {name: lake}\n")))
                .isEmpty();
    }

    @Test
    void icebergWithoutCatalogJdbcWithoutUriAndUnknownValuesAreRejectedNamingTheField()
            throws IOException {
        assertThat(validator.validate(view("    format: iceberg\n")))
                .containsExactly("spec.store: store.catalog is required with store.format iceberg");
        assertThat(validator.validate(view("    format: iceberg\n    catalog: {type: jdbc}\n")))
                .containsExactly(
                        "spec.store.catalog: catalog.uri (the JDBC URL) is required for a jdbc"
                                + " catalog");
        assertThat(validator.validate(view("    format: delta\n")))
                .singleElement()
                .satisfies(
                        e ->
                                assertThat(e)
                                        .startsWith(
                                                "spec.store.format: unsupported value \"delta\""));
        assertThat(validator.validate(view("    format: iceberg\n    catalog: {type: glue}\n")))
                .singleElement()
                .satisfies(
                        e ->
                                assertThat(e)
                                        .startsWith(
                                                "spec.store.catalog.type: unsupported value \"glue\""));
    }

    @Test
    void aRestCatalogNeedsItsUriAndTakesATokenSecretAndThePlainHttpOptOut() throws IOException {
        assertThat(
                        validator.validate(
                                view(
                                        "    format: iceberg\n    catalog:\n      type: rest\n"
                                                + "      uri: https://rest.example.com/api\n"
                                                + "      allowPlainHttp: false\n"
                                                + "      credentialsSecret: {name: lake-rest}\n")))
                .isEmpty();
        assertThat(validator.validate(view("    format: iceberg\n    catalog: {type: rest}\n")))
                .containsExactly(
                        "spec.store.catalog: catalog.uri (the REST endpoint) is required for a"
                                + " rest catalog");
    }
}
