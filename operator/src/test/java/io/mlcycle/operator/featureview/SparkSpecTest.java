package io.mlcycle.operator.featureview;

import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.testing.Fixtures;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The reconciler's own checks of spec.spark (beyond the schema), naming the field, and the names of
 * SparkApplications.
 */
@UnitTier
class SparkSpecTest {

    @Test
    void defaultsAreValid() {
        assertThat(PivotTasks.invalid(Fixtures.sparkSpec())).isEmpty();
    }

    @Test
    void memoryBelowWhatSparkStartsWithIsInvalid() {
        FeatureViewSpec spec = Fixtures.sparkSpec();
        spec.spark.executor.memory = "256m";
        assertThat(PivotTasks.invalid(spec))
                .hasValue("spec.spark.executor.memory: '256m' is less than the minimum 512m");
        spec.spark.executor.memory = "1g";
        spec.spark.driver.memory = "400000k";
        assertThat(PivotTasks.invalid(spec))
                .hasValue("spec.spark.driver.memory: '400000k' is less than the minimum 512m");
        spec.spark.driver.memory = "2 gigs";
        assertThat(PivotTasks.invalid(spec))
                .hasValueSatisfying(
                        m ->
                                assertThat(m)
                                        .startsWith(
                                                "spec.spark.driver.memory: '2 gigs' is not a Spark memory size"));
    }

    @Test
    void s3UrisAreValidForTheSparkEngine() {
        FeatureViewSpec spec = Fixtures.sparkSpec();
        spec.source.uri = "s3://lake/events/{date}/";
        spec.store.uri = "s3://lake/features/x/";
        assertThat(PivotTasks.invalid(spec)).isEmpty();
    }

    @Test
    void memoryIsReadInSparksUnits() {
        assertThat(PivotTasks.sparkMemory("512", "f")).isEqualTo(512);
        assertThat(PivotTasks.sparkMemory("524288k", "f")).isEqualTo(512);
        assertThat(PivotTasks.sparkMemory("2g", "f")).isEqualTo(2048);
        assertThat(PivotTasks.sparkMemory("1t", "f")).isEqualTo(1024 * 1024);
    }

    @Test
    void sparkSettingsWithTheDuckdbEngineAreInvalid() {
        FeatureViewSpec spec = Fixtures.sparkSpec();
        spec.engine = FeatureViewSpec.Engine.duckdb;
        assertThat(PivotTasks.invalid(spec))
                .hasValue(
                        "spec.spark is set but spec.engine is duckdb: spark settings need engine:"
                                + " spark");
    }

    @Test
    void noExecutorsIsInvalid() {
        FeatureViewSpec spec = Fixtures.sparkSpec();
        spec.spark.executor.instances = 0;
        assertThat(PivotTasks.invalid(spec))
                .hasValue("spec.spark.executor.instances: 0 is less than 1");
    }

    @Test
    void applicationNamesLeaveRoomForTheDriverPodSuffix() {
        assertThat(PivotRuns.sparkApplicationName("items", "2026-11-18", 1))
                .isEqualTo("items-pivot-20261118-1");
        String longView = "a-feature-view-with-a-long-name-for-its-team";
        String first = PivotRuns.sparkApplicationName(longView, "2026-11-18", 1);
        String second = PivotRuns.sparkApplicationName(longView, "2026-11-18", 2);
        assertThat(first).hasSizeLessThanOrEqualTo(56).endsWith("-pivot-20261118-1");
        assertThat(second).hasSizeLessThanOrEqualTo(56).isNotEqualTo(first);
        assertThat((first + "-driver").length()).isLessThanOrEqualTo(63);
        // Jobs keep the 63-character names they always had.
        assertThat(PivotRuns.jobName(longView, "2026-11-18", 1))
                .isEqualTo(longView + "-pivot-20261118-1");
    }
}
