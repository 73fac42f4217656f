package io.mlcycle.trainer.spark;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Unit: XGBoost's tracker listens on the driver's bind address, the pod IP on Kubernetes. */
@UnitTier
class TrackerHostTest {

    @Test
    void theTrackerListensOnTheDriversBindAddress() {
        assertThat(SparkBoosting.trackerHost("10.244.1.17")).contains("10.244.1.17");
        assertThat(SparkBoosting.trackerHost(" 127.0.0.1 ")).contains("127.0.0.1");
    }

    @Test
    void withoutAUsableBindAddressXGBoostChoosesItsOwn() {
        assertThat(SparkBoosting.trackerHost("")).isEmpty();
        assertThat(SparkBoosting.trackerHost(null)).isEmpty();
        assertThat(SparkBoosting.trackerHost("0.0.0.0")).isEmpty();
        assertThat(SparkBoosting.trackerHost("::")).isEmpty();
    }
}
