package io.mlcycle.operator.modeldeployment;

import io.mlcycle.operator.api.SparkSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The spec checks of batch scoring's engine. */
@UnitTier
class BatchSpecChecksTest {

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
}
