package io.mlcycle.pivot;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.pivot.FeatureIndex.Candidate;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class FeatureIndexTest {

    static Candidate c(String name, long support) {
        return new Candidate(name, support, 1, 2, 1.5);
    }

    static List<String> names(List<FeatureCatalog.Feature> fs) {
        return fs.stream().map(FeatureCatalog.Feature::name).toList();
    }

    @Test
    void withoutPreviousVersionMostSupportedComeFirstTiesByName() {
        var fs =
                FeatureIndex.assign(
                        List.of(c("b", 5), c("a", 5), c("c", 9), c("d", 1)), 2, 0, Map.of());
        assertThat(names(fs)).containsExactly("c", "a", "b");
        assertThat(fs).extracting(FeatureCatalog.Feature::index).containsExactly(0, 1, 2);
    }

    @Test
    void maxFeaturesKeepsTheMostSupported() {
        var fs = FeatureIndex.assign(List.of(c("b", 5), c("a", 5), c("c", 9)), 1, 2, Map.of());
        assertThat(names(fs)).containsExactly("c", "a");
    }

    @Test
    void previousFeaturesKeepTheirIndexAndNewOnesAreAppended() {
        var fs =
                FeatureIndex.assign(
                        List.of(c("new", 100), c("x", 1), c("y", 2), c("z", 3)),
                        1,
                        0,
                        Map.of("x", 0, "y", 1, "z", 2));
        assertThat(names(fs)).containsExactly("x", "y", "z", "new");
    }

    @Test
    void droppedFeaturesFreeTheirIndexForDisplacedThenNewOnes() {
        // previous: a=0 b=1 c=2 d=3; today: a dropped, d displaced (index 3 >= 3 features)
        var fs =
                FeatureIndex.assign(
                        List.of(c("b", 1), c("c", 1), c("d", 1)),
                        1,
                        0,
                        Map.of("a", 0, "b", 1, "c", 2, "d", 3));
        assertThat(names(fs)).containsExactly("d", "b", "c");
    }
}
