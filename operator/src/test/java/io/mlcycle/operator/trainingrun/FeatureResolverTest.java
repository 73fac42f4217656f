package io.mlcycle.operator.trainingrun;

import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.api.featureview.IcebergCatalog;
import io.mlcycle.operator.api.featureview.StoreFormat;
import io.mlcycle.operator.api.trainingrun.TrainingRunSpec;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.task.TableCatalog;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class FeatureResolverTest {

    static FeatureView view(String name, String... asOfs) {
        FeatureView fv = Fixtures.featureView(name);
        fv.setStatus(new FeatureViewStatus());
        for (String a : asOfs) {
            FeatureViewStatus.Materialization m = new FeatureViewStatus.Materialization();
            m.asOf = a;
            m.outcome = "Succeeded";
            m.uri = "file:///f/" + name + "/asOf=" + a + "/";
            fv.getStatus().history.add(m);
        }
        if (asOfs.length > 0) {
            fv.getStatus().latest = fv.getStatus().history.get(0);
        }
        return fv;
    }

    static TrainingRunSpec spec(String asOf, String... views) {
        TrainingRunSpec s = new TrainingRunSpec();
        s.asOf = asOf;
        s.features =
                java.util.Arrays.stream(views)
                        .map(
                                v -> {
                                    TrainingRunSpec.FeatureRef r = new TrainingRunSpec.FeatureRef();
                                    r.featureView = v;
                                    return r;
                                })
                        .toList();
        return s;
    }

    @Test
    void latestIsTheNewestAsOfEveryViewHas() {
        Map<String, FeatureView> views =
                Map.of(
                        "a",
                        view("a", "2026-11-19", "2026-11-18"),
                        "b",
                        view("b", "2026-11-18", "2026-11-17"));
        var r =
                FeatureResolver.resolve(
                        spec("latest", "a", "b"), n -> Optional.ofNullable(views.get(n)));
        assertThat(r.resolved()).isTrue();
        assertThat(r.asOf()).isEqualTo("2026-11-18");
        assertThat(r.inputs().get(0).uri()).isEqualTo("file:///f/a/asOf=2026-11-18/");
        assertThat(r.entity()).isEqualTo("user_id");
    }

    @Test
    void missingViewAsOfOrCommonDateIsNamed() {
        Map<String, FeatureView> views =
                Map.of("a", view("a", "2026-11-19"), "b", view("b", "2026-11-18"), "c", view("c"));
        assertThat(
                        FeatureResolver.resolve(
                                        spec("latest", "a", "zzz"),
                                        n -> Optional.ofNullable(views.get(n)))
                                .missing())
                .isEqualTo("FeatureView zzz not found");
        assertThat(
                        FeatureResolver.resolve(
                                        spec("latest", "c"), n -> Optional.ofNullable(views.get(n)))
                                .missing())
                .isEqualTo("FeatureView c has no materialization yet");
        assertThat(
                        FeatureResolver.resolve(
                                        spec("2026-11-19", "a", "b"),
                                        n -> Optional.ofNullable(views.get(n)))
                                .missing())
                .isEqualTo("FeatureView b has no as-of 2026-11-19");
        assertThat(
                        FeatureResolver.resolve(
                                        spec("latest", "a", "b"),
                                        n -> Optional.ofNullable(views.get(n)))
                                .missing())
                .startsWith("no as-of date common to all FeatureViews");
    }

    @Test
    void failedMaterializationsAreNotInputs() {
        FeatureView fv = view("a", "2026-11-18");
        FeatureViewStatus.Materialization bad = new FeatureViewStatus.Materialization();
        bad.asOf = "2026-11-19";
        bad.outcome = "ValidationFailed";
        bad.uri = null;
        fv.getStatus().history.add(0, bad);
        assertThat(FeatureResolver.available(fv.getStatus())).containsOnlyKeys("2026-11-18");
        assertThat(
                        List.of(
                                FeatureResolver.resolve(spec("latest", "a"), n -> Optional.of(fv))
                                        .asOf()))
                .containsExactly("2026-11-18");
    }

    @Test
    void anIcebergViewsInputNamesItsCatalogSoTheTrainerPlansTheTag() {
        FeatureView iceberg = view("a", "2026-11-19");
        iceberg.getSpec().store.format = StoreFormat.iceberg;
        iceberg.getSpec().store.catalog = new IcebergCatalog();
        iceberg.getSpec().store.catalog.type = IcebergCatalog.Type.hadoop;
        Map<String, FeatureView> views = Map.of("a", iceberg, "b", view("b", "2026-11-19"));

        var r =
                FeatureResolver.resolve(
                        spec("latest", "a", "b"), n -> Optional.ofNullable(views.get(n)));

        assertThat(r.inputs().get(0).catalog())
                .isEqualTo(
                        new TableCatalog(
                                "hadoop",
                                "mlcycle",
                                null,
                                "file:///data/features/a/",
                                "features",
                                "a",
                                null,
                                null,
                                null));
        assertThat(r.inputs().get(1).catalog()).isNull();
    }
}
