package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.api.modeldeployment.FeatureCoverageStatus;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.schema;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.shares;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.trained;
import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class FeatureCoverageTest {

    private static final double MIN = 0.99;

    /**
     * Features as the trainer names them, {@code <view>/<column>}. v2 leans on kills and deaths
     * (the view's keys were renamed since: g_kills, g_deaths), v1 on wins only, v3 and v4 on the
     * current columns.
     */
    private static final ModelVersion W1 =
            trained("m", 1, true, schema("games", shares("games/wins", 1.0)));

    private static final ModelVersion K2 =
            trained(
                    "m",
                    2,
                    true,
                    schema(
                            "games",
                            shares("games/kills", 0.5, "games/deaths", 0.2, "games/wins", 0.3)));

    private static final ModelVersion G3 =
            trained("m", 3, true, schema("games", shares("games/g_kills", 0.6, "games/wins", 0.4)));

    private static final ModelVersion G4 =
            trained(
                    "m",
                    4,
                    true,
                    schema("games", shares("games/g_kills", 0.9, "games/g_deaths", 0.1)));

    /** The current table of games holds the prefixed columns only. */
    private static final Function<String, FeatureCoverage.Table> TABLES =
            view ->
                    "games".equals(view)
                            ? new FeatureCoverage.Table(
                                    view, "2026-11-22", Set.of("g_kills", "g_deaths", "wins"))
                            : null;

    private static FeatureCoverage.Result check(ModelVersion mv) {
        return FeatureCoverage.check(mv, TABLES);
    }

    @Test
    void coverageIsTheShareOfShapMassWhoseFeaturesTheTablesHoldMissingLargestFirst() {
        FeatureCoverage.Result r = check(K2);
        assertThat(r.coverage()).isCloseTo(0.3, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(r.fits(MIN)).isFalse();
        assertThat(r.missing())
                .extracting(f -> f.name)
                .containsExactly("games/kills", "games/deaths");
        assertThat(r.message(MIN))
                .isEqualTo(
                        "v2: 30.0% of its SHAP mass present in games@2026-11-22 (below 99.0%);"
                                + " missing games/kills (50.0%), games/deaths (20.0%)");
        FeatureCoverageStatus s = r.toStatus(MIN);
        assertThat(s.fits).isFalse();
        assertThat(s.missingCount).isEqualTo(2);
        assertThat(s.missing)
                .extracting(m -> m.name)
                .containsExactly("games/kills", "games/deaths");
        assertThat(s.tables).containsExactly("games@2026-11-22");
    }

    @Test
    void everyFeaturePresentFitsAndSharesAreNormalisedToTheirSum() {
        ModelVersion unnormalised =
                trained(
                        "m",
                        5,
                        true,
                        schema("games", shares("games/g_kills", 3.0, "games/nope", 1.0)));
        assertThat(check(G4).coverage()).isEqualTo(1.0);
        assertThat(check(G4).fits(MIN)).isTrue();
        assertThat(check(unnormalised).coverage()).isEqualTo(0.75);
        assertThat(check(unnormalised).missing().get(0).share).isEqualTo(0.25);
    }

    @Test
    void aViewThatIsGoneHoldsNoneOfItsFeatures() {
        ModelVersion other = trained("m", 6, true, schema("profiles", shares("profiles/age", 1.0)));
        FeatureCoverage.Result r = check(other);
        assertThat(r.coverage()).isZero();
        assertThat(r.tables()).containsExactly("profiles (no table)");
    }

    @Test
    void aFeatureIsPresentOnlyWhereItsOwnViewsTableHasTheColumn() {
        // the trainer names features <view>/<column>: games' wins is not profiles/wins
        ModelVersion other = trained("m", 8, true, schema("games", shares("profiles/wins", 1.0)));
        assertThat(check(other).coverage()).isZero();
    }

    @Test
    void unknownWithoutASchemaOrPublishedColumnsAndThenItIsNotRefused() {
        ModelVersion noSchema = trained("m", 7, true, null);
        FeatureCoverage.Result r = check(noSchema);
        assertThat(r.coverage()).isNull();
        assertThat(r.fits(MIN)).isTrue();
        assertThat(r.message(MIN))
                .isEqualTo("v7: feature coverage unknown: it records no feature schema");
        FeatureCoverage.Result unpublished =
                FeatureCoverage.check(
                        K2, view -> new FeatureCoverage.Table(view, "2026-11-22", null));
        assertThat(unpublished.coverage()).isNull();
        assertThat(unpublished.unknown())
                .isEqualTo("FeatureView games's table 2026-11-22 did not publish its columns");
    }

    @Test
    void theRollbackTargetIsTheHighestGoodVersionBelowThatFitsSkippingThoseThatDoNot() {
        FeatureCoverage.Choice choice =
                FeatureCoverage.rollbackTarget(
                        List.of(W1, K2, G3, G4), 4, FeatureCoverageTest::check, MIN);
        assertThat(choice.target()).contains(G3);
        assertThat(choice.skipped()).isEmpty();

        ModelVersion v3Unfit =
                trained(
                        "m",
                        3,
                        true,
                        schema("games", shares("games/deaths", 0.9, "games/wins", 0.1)));
        FeatureCoverage.Choice skipping =
                FeatureCoverage.rollbackTarget(
                        List.of(W1, K2, v3Unfit, G4), 4, FeatureCoverageTest::check, MIN);
        assertThat(skipping.target()).contains(W1);
        assertThat(skipping.skipped())
                .extracting(FeatureCoverage.Result::version)
                .containsExactly(3, 2);

        FeatureCoverage.Choice none =
                FeatureCoverage.rollbackTarget(
                        List.of(K2, v3Unfit, G4), 4, FeatureCoverageTest::check, MIN);
        assertThat(none.target()).isEmpty();
        assertThat(none.skipped()).hasSize(2);
    }

    @Test
    void aRejectedOrRolledBackVersionIsNeverARollbackTarget() {
        ModelVersion rejected = trained("m", 3, false, G3.getSpec().featureSchema);
        ModelVersion rolledBack = trained("m", 1, true, W1.getSpec().featureSchema);
        rolledBack.getMetadata().setAnnotations(Map.of(ModelVersion.ROLLED_BACK_ANNOTATION, "x"));
        FeatureCoverage.Choice choice =
                FeatureCoverage.rollbackTarget(
                        List.of(rolledBack, K2, rejected, G4), 4, FeatureCoverageTest::check, MIN);
        assertThat(choice.target()).isEmpty();
        assertThat(choice.skipped()).extracting(FeatureCoverage.Result::version).containsExactly(2);
    }

    @Test
    void aVersionThatDoesNotFitIsRefusedAndTheServedOneStays() {
        FeatureCoverage.Verdict v =
                FeatureCoverage.decide(
                        K2,
                        Optional.of(G4),
                        false,
                        List.of(K2, G4),
                        FeatureCoverageTest::check,
                        MIN);
        assertThat(v.refused()).isTrue();
        assertThat(v.serve()).isSameAs(G4);
        assertThat(v.checked().version()).isEqualTo(2);

        FeatureCoverage.Verdict nothingServed =
                FeatureCoverage.decide(
                        K2, Optional.empty(), false, List.of(K2), FeatureCoverageTest::check, MIN);
        assertThat(nothingServed.refused()).isTrue();
        assertThat(nothingServed.serve()).isNull();
    }

    @Test
    void aFittingOrAlreadyServedVersionIsServed() {
        FeatureCoverage.Verdict fits =
                FeatureCoverage.decide(
                        G4,
                        Optional.of(G3),
                        false,
                        List.of(G3, G4),
                        FeatureCoverageTest::check,
                        MIN);
        assertThat(fits.refused()).isFalse();
        assertThat(fits.serve()).isSameAs(G4);

        // what already serves is reported, never taken down
        FeatureCoverage.Verdict served =
                FeatureCoverage.decide(
                        K2, Optional.of(K2), false, List.of(K2), FeatureCoverageTest::check, MIN);
        assertThat(served.refused()).isFalse();
        assertThat(served.serve()).isSameAs(K2);
        assertThat(served.checked().fits(MIN)).isFalse();
    }

    @Test
    void afterARollbackTheHighestFittingVersionBelowTheRolledBackOneServes() {
        // latestApproved without the rolled-back v4 resolves to v2, whose features are gone
        FeatureCoverage.Verdict v =
                FeatureCoverage.decide(
                        K2,
                        Optional.of(G4),
                        true,
                        List.of(W1, K2, G4),
                        FeatureCoverageTest::check,
                        MIN);
        assertThat(v.refused()).isTrue();
        assertThat(v.serve()).isSameAs(W1);
        assertThat(v.skipped()).extracting(FeatureCoverage.Result::version).containsExactly(2);
        assertThat(FeatureCompatibility.skippedText(v.skipped(), MIN))
                .isEqualTo(
                        "; skipped v2 (30.0% of its SHAP mass present, below 99.0%: missing"
                                + " games/kills (50.0%), games/deaths (20.0%))");
    }

    @Test
    void aServedVersionMarkedRolledBackIsReplacedByTheHighestFittingVersionBelowIt() {
        ModelVersion marked = trained("m", 4, true, G4.getSpec().featureSchema);
        marked.getMetadata().setAnnotations(Map.of(ModelVersion.ROLLED_BACK_ANNOTATION, "by hand"));
        FeatureCoverage.Verdict v =
                FeatureCoverage.decide(
                        K2,
                        Optional.of(marked),
                        false,
                        List.of(W1, K2, marked),
                        FeatureCoverageTest::check,
                        MIN);
        assertThat(v.serve()).isSameAs(W1);
        assertThat(v.skipped()).extracting(FeatureCoverage.Result::version).containsExactly(2);
    }
}
