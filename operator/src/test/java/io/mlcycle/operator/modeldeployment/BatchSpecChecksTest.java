package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.api.SparkSpec;
import io.mlcycle.operator.api.featureview.IcebergCatalog;
import io.mlcycle.operator.api.featureview.StoreFormat;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.common.OutboundPolicy;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The spec checks of batch scoring's engine and of its output as an Iceberg table. */
@UnitTier
class BatchSpecChecksTest {

    /** Host names resolve to a cluster address (no DNS is asked), IP literals to themselves. */
    private static final OutboundPolicy POLICY =
            new OutboundPolicy(
                    List.of(),
                    host ->
                            InetAddress.getAllByName(
                                    host.matches("[0-9.]+") ? host : "10.96.0.30"));

    static ModelDeploymentSpec batch(ModelDeploymentSpec.BatchEngine engine) {
        ModelDeploymentSpec spec = ModelDeployments.deployment("md", "m").getSpec();
        spec.batch = new ModelDeploymentSpec.Batch();
        spec.batch.schedule = "0 5 * * *";
        spec.batch.output = new ModelDeploymentSpec.Output();
        spec.batch.output.uri = "file:///data/scores/m";
        spec.batch.engine = engine;
        spec.batch.spark = new SparkSpec();
        return spec;
    }

    @Test
    void sparkSettingsWithThePodEngineAreInvalidNamingBothFields() {
        assertThat(SpecChecks.invalid(batch(ModelDeploymentSpec.BatchEngine.pod)))
                .hasValue(
                        "spec.batch.spark is set but spec.batch.engine is pod: spark settings"
                                + " need engine: spark");
    }

    @Test
    void sparkSettingsWithTheSparkEngineAreValid() {
        assertThat(SpecChecks.invalid(batch(ModelDeploymentSpec.BatchEngine.spark))).isEmpty();
    }

    /** A pod-engine batch whose output is an Iceberg table in {@code catalog}. */
    private static ModelDeploymentSpec icebergOutput(IcebergCatalog catalog, String uri) {
        ModelDeploymentSpec spec = batch(ModelDeploymentSpec.BatchEngine.pod);
        spec.batch.spark = null;
        spec.batch.output.uri = uri;
        spec.batch.output.format = StoreFormat.iceberg;
        spec.batch.output.catalog = catalog;
        return spec;
    }

    private static IcebergCatalog catalog(IcebergCatalog.Type type, String uri) {
        IcebergCatalog c = new IcebergCatalog();
        c.type = type;
        c.uri = uri;
        return c;
    }

    @Test
    void icebergScoresOnAFileWarehouseWithAHadoopCatalogAreValid() {
        assertThat(
                        SpecChecks.invalid(
                                icebergOutput(
                                        catalog(IcebergCatalog.Type.hadoop, null),
                                        "file:///data/scores/m")))
                .isEmpty();
    }

    @Test
    void icebergScoresWithoutACatalogAreInvalidNamingTheField() {
        assertThat(SpecChecks.invalid(icebergOutput(null, "file:///data/scores/m")))
                .hasValue(
                        "spec.batch.output.catalog is required with spec.batch.output.format"
                                + " iceberg");
    }

    @Test
    void aJdbcScoresCatalogWithoutItsUrlIsInvalidNamingTheField() {
        assertThat(
                        SpecChecks.invalid(
                                icebergOutput(
                                        catalog(IcebergCatalog.Type.jdbc, null),
                                        "s3://lake/scores/m")))
                .hasValue("spec.batch.output.catalog.uri is required");
    }

    @Test
    void aHadoopScoresCatalogOnS3IsInvalidNamingTheTypeAndTheWarehouse() {
        assertThat(
                        SpecChecks.invalid(
                                icebergOutput(
                                        catalog(IcebergCatalog.Type.hadoop, null),
                                        "s3://lake/scores/m")))
                .hasValueSatisfying(
                        m ->
                                assertThat(m)
                                        .startsWith(
                                                "spec.batch.output.catalog.type hadoop cannot keep"
                                                        + " a table in spec.batch.output.uri"
                                                        + " 's3://lake/scores/m'"));
    }

    /** Scores committed through a rest catalog at {@code uri}, on an s3:// warehouse. */
    private static ModelDeploymentSpec restOutput(String uri) {
        return icebergOutput(catalog(IcebergCatalog.Type.rest, uri), "s3://lake/scores/m");
    }

    @Test
    void aRestScoresCatalogOverHttpsIsValid() {
        assertThat(SpecChecks.invalid(restOutput("https://iceberg.lake.example.com/api"), POLICY))
                .isEmpty();
    }

    @Test
    void aRestScoresCatalogOnPlainHttpOutsideTheClusterIsRefusedNamingItsUriAndTheOptOut() {
        ModelDeploymentSpec outside = restOutput("http://iceberg.lake.example.com:8181");

        assertThat(SpecChecks.invalid(outside, POLICY))
                .hasValueSatisfying(
                        m ->
                                assertThat(m)
                                        .startsWith(
                                                "spec.batch.output.catalog.uri: plain http to host"
                                                        + " 'iceberg.lake.example.com'")
                                        .contains(
                                                "spec.batch.output.catalog.allowPlainHttp: true"));
        outside.batch.output.catalog.allowPlainHttp = true;
        assertThat(SpecChecks.invalid(outside, POLICY)).isEmpty();
    }

    @Test
    void aRestScoresCatalogAtTheMetadataAddressIsRefusedEvenWithPlainHttpAllowed() {
        ModelDeploymentSpec metadata = restOutput("http://169.254.169.254/iceberg");
        metadata.batch.output.catalog.allowPlainHttp = true;

        assertThat(SpecChecks.invalid(metadata, POLICY))
                .hasValueSatisfying(
                        m ->
                                assertThat(m)
                                        .startsWith(
                                                "spec.batch.output.catalog.uri: host"
                                                        + " '169.254.169.254' is refused"));
    }

    @Test
    void anInClusterRestScoresCatalogOnPlainHttpIsValid() {
        assertThat(SpecChecks.invalid(restOutput("http://iceberg-rest.lake.svc:8181"), POLICY))
                .isEmpty();
    }

    @Test
    void icebergScoresWithTheSparkEngineAreValid() {
        ModelDeploymentSpec spec =
                icebergOutput(catalog(IcebergCatalog.Type.hadoop, null), "file:///data/scores/m");
        spec.batch.engine = ModelDeploymentSpec.BatchEngine.spark;
        spec.batch.spark = new SparkSpec();
        assertThat(SpecChecks.invalid(spec)).isEmpty();
    }
}
