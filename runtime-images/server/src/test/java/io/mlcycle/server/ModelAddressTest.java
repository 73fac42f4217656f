package io.mlcycle.server;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Unit: the addressing rules REST and gRPC share. */
@UnitTier
class ModelAddressTest {

    private final ModelAddress address = new ModelAddress("churn", 3);

    @Test
    void aRestPathOfThisModelOrThisVersionGivesTheEndpointAfterIt() {
        assertThat(address.rest("/v2/models/churn")).isEmpty();
        assertThat(address.rest("/v2/models/churn/infer")).isEqualTo("/infer");
        assertThat(address.rest("/v2/models/churn/versions/3")).isEmpty();
        assertThat(address.rest("/v2/models/churn/versions/3/ready")).isEqualTo("/ready");
    }

    @Test
    void anotherModelOrVersionIsNotFoundNamingWhatIsServedHere() {
        assertThatThrownBy(() -> address.rest("/v2/models/churner/infer"))
                .isInstanceOfSatisfying(
                        BadRequest.class, e -> assertThat(e.status()).isEqualTo(404))
                .hasMessage("no model 'churner' here; this server serves 'churn' version 3");
        assertThatThrownBy(() -> address.rest("/v2/models/churn/versions/2/infer"))
                .isInstanceOfSatisfying(
                        BadRequest.class, e -> assertThat(e.status()).isEqualTo(404))
                .hasMessage("model 'churn' has no version '2' here; this server serves version 3");
        assertThatThrownBy(() -> address.check("fraud", ""))
                .hasMessage("no model 'fraud' here; this server serves 'churn' version 3");
        assertThatThrownBy(() -> address.check("churn", "4"))
                .hasMessage("model 'churn' has no version '4' here; this server serves version 3");
        address.check("churn", "");
        address.check("churn", "3");
    }

    @Test
    void bigBodiesAndLookupsByEntityAreSlow() {
        assertThat(ModelAddress.slow(ModelAddress.INLINE_BODY_BYTES, false)).isFalse();
        assertThat(ModelAddress.slow(ModelAddress.INLINE_BODY_BYTES + 1, false)).isTrue();
        assertThat(ModelAddress.slow(10, true)).isTrue();
    }
}
