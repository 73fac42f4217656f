package io.mlcycle.server;

import io.mlcycle.common.SparseTables;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class TestModelsTest {

    @Test
    void theTestModelLearnedTheRuleItIsServedWith() {
        ModelArtifact model = TestModels.load();
        List<SparseTables.Row> holdout = TestModels.rows(300, 99);
        float[] p = model.predict(TestModels.matrix(holdout));
        int right = 0;
        for (int i = 0; i < p.length; i++) {
            boolean truth = TestModels.positive(TestModels.dense(holdout.get(i)));
            if ((p[i] >= model.threshold()) == truth) {
                right++;
            }
        }
        assertThat(right / (double) p.length).isGreaterThan(0.85);
    }
}
