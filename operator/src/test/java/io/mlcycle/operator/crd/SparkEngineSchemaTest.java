package io.mlcycle.operator.crd;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.operator.testing.ProjectRoot;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The FeatureView schema's rules for spec.engine and spec.spark, as the API server applies them.
 */
@UnitTier
class SparkEngineSchemaTest {

    static CrdSchemaValidator validator;

    @BeforeAll
    static void loadSchemas() throws IOException {
        validator = new CrdSchemaValidator(ProjectRoot.get().resolve("crds"));
    }

    static JsonNode view(String engineAndSpark) throws IOException {
        return CrdSchemaValidator.YAML.readTree(
                "apiVersion: mlcycle.io/v1alpha1\nkind: FeatureView\nmetadata: {name: x}\n"
                        + "spec:\n  entity: u\n  source: {uri: 'file:///a/'}\n"
                        + "  pivot: {key: k, aggregate: count}\n  store: {uri: 'file:///s/'}\n"
                        + engineAndSpark);
    }

    @Test
    void engineDefaultsToDuckdbAndSparkNeedsNoSettings() throws IOException {
        assertThat(validator.validate(view(""))).isEmpty();
        assertThat(validator.validate(view("  engine: duckdb\n"))).isEmpty();
        assertThat(validator.validate(view("  engine: spark\n"))).isEmpty();
        assertThat(
                        validator.validate(
                                view(
                                        "  engine: spark\n  spark:\n    image: reg/pivot-spark:1\n"
                                                + "    driver: {cores: 1, memory: 512m}\n"
                                                + "    executor: {instances: 8, memory: 4g}\n"
                                                + "    sparkConf: {spark.sql.shuffle.partitions:"
                                                + " '200'}\n")))
                .isEmpty();
    }

    @Test
    void sparkSettingsWithoutEngineSparkAreRejected() throws IOException {
        assertThat(validator.validate(view("  spark: {sparkVersion: 3.5.6}\n")))
                .containsExactly("spec: spark settings need engine: spark");
        assertThat(validator.validate(view("  engine: duckdb\n  spark: {}\n")))
                .containsExactly("spec: spark settings need engine: spark");
    }

    @Test
    void unknownEngineAndTooSmallSparkSettingsNameTheField() throws IOException {
        assertThat(validator.validate(view("  engine: flink\n")))
                .singleElement()
                .satisfies(
                        e -> assertThat(e).startsWith("spec.engine: unsupported value \"flink\""));
        assertThat(
                        validator.validate(
                                view(
                                        "  engine: spark\n  spark:\n"
                                                + "    sparkVersion: latest\n"
                                                + "    driver: {cores: 0, memory: 2GB}\n"
                                                + "    executor: {instances: 0, cores: 0}\n")))
                .containsExactlyInAnyOrder(
                        "spec.spark.sparkVersion: 'latest' does not match ^[0-9]+\\.[0-9]+\\.[0-9]+$",
                        "spec.spark.driver.cores: 0 is less than the minimum 1",
                        "spec.spark.driver.memory: '2GB' does not match ^[1-9][0-9]*[kmgt]?$",
                        "spec.spark.executor.instances: 0 is less than the minimum 1",
                        "spec.spark.executor.cores: 0 is less than the minimum 1");
    }
}
