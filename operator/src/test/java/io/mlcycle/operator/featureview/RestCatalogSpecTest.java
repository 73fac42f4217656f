package io.mlcycle.operator.featureview;

import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.IcebergCatalog;
import io.mlcycle.operator.api.featureview.StoreFormat;
import io.mlcycle.operator.common.OutboundPolicy;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.UnitTier;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** spec.store.catalog.type rest: carried into the task and the pods' env, its uri checked. */
@UnitTier
class RestCatalogSpecTest {

    private static final OutboundPolicy POLICY =
            new OutboundPolicy(List.of(), host -> InetAddress.getAllByName("10.96.0.30"));

    private static FeatureView rest(String uri) {
        FeatureView fv = Fixtures.featureView("items");
        fv.getSpec().store.format = StoreFormat.iceberg;
        fv.getSpec().store.catalog = new IcebergCatalog();
        fv.getSpec().store.catalog.type = IcebergCatalog.Type.rest;
        fv.getSpec().store.catalog.uri = uri;
        return fv;
    }

    /** The outbound check of the view's store catalog, as the reconciler runs it. */
    private static Optional<String> refusal(FeatureView fv) {
        return IcebergCatalogs.catalogRefusal(
                fv.getSpec().store.catalog, "spec.store.catalog", POLICY);
    }

    @Test
    void aRestStoreCarriesItsEndpointNoWarehouseAndTheCredentialsAsOptionalSecretReferences() {
        FeatureView fv = rest("https://lake.example.com/api/catalog");
        fv.getSpec().store.catalog.credentialsSecret = new FeatureViewSpec.SecretRef();
        fv.getSpec().store.catalog.credentialsSecret.name = "lake-rest";

        PivotTask.Store store = PivotTasks.task(fv, LocalDate.of(2026, 11, 20)).store();

        assertThat(PivotTasks.invalid(fv.getSpec())).isEmpty();
        assertThat(refusal(fv)).isEmpty();
        assertThat(store.catalog())
                .isEqualTo(
                        new TableCatalog(
                                "rest",
                                "mlcycle",
                                "https://lake.example.com/api/catalog",
                                null,
                                "features",
                                "items",
                                PodEnv.CATALOG_USER,
                                PodEnv.CATALOG_PASSWORD,
                                PodEnv.CATALOG_TOKEN));
        assertThat(Fixtures.secretRefs(IcebergCatalogs.catalogEnv(fv.getSpec())))
                .containsExactly(
                        Tuple.tuple(PodEnv.CATALOG_USER, "lake-rest", "username", true),
                        Tuple.tuple(PodEnv.CATALOG_PASSWORD, "lake-rest", "password", true),
                        Tuple.tuple(PodEnv.CATALOG_TOKEN, "lake-rest", "token", true));
    }

    @Test
    void aRestCatalogWithoutItsUriIsRefusedNamingTheField() {
        assertThat(PivotTasks.invalid(rest(null).getSpec()))
                .hasValue("spec.store.catalog.uri is required");
    }

    @Test
    void plainHttpOutsideTheClusterIsRefusedUnlessAPersonAllowsIt() {
        FeatureView outside = rest("http://lake.example.com:8181");
        FeatureView allowed = rest("http://lake.example.com:8181");
        allowed.getSpec().store.catalog.allowPlainHttp = true;

        assertThat(refusal(outside))
                .hasValueSatisfying(
                        m ->
                                assertThat(m)
                                        .startsWith("spec.store.catalog.uri: plain http to host")
                                        .contains("'lake.example.com'")
                                        .contains("spec.store.catalog.allowPlainHttp: true"));
        assertThat(refusal(allowed)).isEmpty();
        assertThat(refusal(rest("http://iceberg-rest.lake.svc:8181"))).isEmpty();
    }

    @Test
    void aNonRestCatalogIsNotTheRestChecksConcern() {
        FeatureView jdbc = rest("jdbc:postgresql://pg:5432/lake");
        jdbc.getSpec().store.catalog.type = IcebergCatalog.Type.jdbc;

        assertThat(refusal(jdbc)).isEmpty();
    }
}
