package io.mlcycle.helm;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.mlcycle.helm.Manifests.rulesFor;
import static io.mlcycle.helm.Manifests.verbs;
import static org.assertj.core.api.Assertions.assertThat;

/** The chart's value keda.enabled: operator RBAC for KEDA ScaledObjects, read by name only. */
@UnitTier
class KedaChartTest {

    @Test
    void enabledTheOperatorManagesScaledObjectsByNameWithoutListingThem() {
        JsonNode role =
                Chart.template(Map.of("keda.enabled", true)).get("ClusterRole", "mlcycle-operator");
        assertThat(verbs(rulesFor(role, "keda.sh", "scaledobjects")))
                .containsExactlyInAnyOrder("get", "create", "patch", "delete");
    }
}
