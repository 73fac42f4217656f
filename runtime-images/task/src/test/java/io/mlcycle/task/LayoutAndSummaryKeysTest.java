package io.mlcycle.task;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The shared path layouts and the trainer summary's typed readers. */
@UnitTier
class LayoutAndSummaryKeysTest {

    @Test
    void aModelVersionLivesUnderVNWhetherOrNotTheRootEndsInASlash() {
        assertEquals("s3://m/churn/v7/", Layout.versionUri("s3://m", "churn", 7));
        assertEquals("s3://m/churn/v7/", Layout.versionUri("s3://m/", "churn", 7));
    }

    @Test
    void aDatedTableLivesUnderAsOfDate() {
        assertEquals("file:///t/asOf=2026-11-21/", Layout.asOfUri("file:///t", "2026-11-21"));
        assertEquals("file:///t/asOf=2026-11-21/", Layout.asOfUri("file:///t/", "2026-11-21"));
    }

    @Test
    void theTrainerSummaryReadsBackThroughItsTypedReaders() {
        Summary s =
                TaskJson.readSummary(
                        TaskJson.writeSummary(
                                Summary.succeeded(
                                        "s3://m/churn/v1/",
                                        Map.of(TrainSummary.ROWS, 10.0),
                                        Map.of(
                                                TrainSummary.ARTIFACT_DIGEST,
                                                "sha256:ab",
                                                TrainSummary.ALGORITHM,
                                                "xgboost",
                                                TrainSummary.SEARCH,
                                                Map.of(TrainSummary.BUDGET_EXHAUSTED, true),
                                                TrainSummary.CANDIDATES,
                                                List.of(Map.of("algorithm", "logistic"))))));

        assertEquals("sha256:ab", TrainSummary.artifactDigest(s));
        assertEquals("xgboost", TrainSummary.algorithm(s));
        assertEquals("auc", TrainSummary.selectionMetric(s));
        assertTrue(TrainSummary.budgetExhausted(s));
        assertEquals(1, TrainSummary.candidates(s).size());
        assertNull(TrainSummary.topFeatures(s));
    }

    @Test
    void aSummaryWithoutDetailsHasNoDigestAndNoExhaustedBudget() {
        Summary s = Summary.failure(Summary.Outcome.Failed, "Boom", "boom");

        assertNull(TrainSummary.artifactDigest(s));
        assertFalse(TrainSummary.budgetExhausted(s));
        assertNull(PivotSummary.figure(s, PivotSummary.ONLINE_SWITCHED));
    }
}
