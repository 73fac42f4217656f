package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.api.modelversion.ModelVersionStatus;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class VersionResolverTest {

    private static ModelVersion mv(int n, boolean approved, boolean rolledBack) {
        ModelVersion mv = new ModelVersion();
        mv.setMetadata(
                new ObjectMetaBuilder()
                        .withName("m-v" + n)
                        .withAnnotations(
                                rolledBack
                                        ? Map.of(ModelVersion.ROLLED_BACK_ANNOTATION, "x")
                                        : Map.of())
                        .build());
        mv.setSpec(new ModelVersionSpec());
        mv.getSpec().model = "m";
        mv.getSpec().version = n;
        mv.setStatus(new ModelVersionStatus());
        mv.getStatus().approved = approved;
        return mv;
    }

    @Test
    void latestApprovedIsTheHighestApprovedNotRolledBack() {
        var r =
                VersionResolver.resolve(
                        "m",
                        "latestApproved",
                        List.of(
                                mv(1, true, false),
                                mv(2, true, false),
                                mv(3, true, true),
                                mv(4, false, false)));
        assertThat(r.version().getSpec().version).isEqualTo(2);
    }

    @Test
    void noApprovedVersionSaysSo() {
        var r = VersionResolver.resolve("m", "latestApproved", List.of(mv(1, false, false)));
        assertThat(r.found()).isFalse();
        assertThat(r.reason()).isEqualTo("NoApprovedVersion");
    }

    @Test
    void aPinnedVersionIsServedUnlessRolledBackThenTheVersionBelowIt() {
        var all = List.of(mv(1, true, false), mv(2, true, false), mv(3, true, false));
        assertThat(VersionResolver.resolve("m", "2", all).version().getSpec().version).isEqualTo(2);
        var rolled = List.of(mv(1, true, false), mv(2, true, true), mv(3, true, false));
        var r = VersionResolver.resolve("m", "2", rolled);
        assertThat(r.version().getSpec().version).isEqualTo(1);
        assertThat(r.reason()).isEqualTo("PinnedVersionRolledBack");
        assertThat(VersionResolver.resolve("m", "7", all).reason()).isEqualTo("VersionNotFound");
    }

    @Test
    void aVersionThatIsNoNumberIsAnErrorNamingTheField() {
        assertThatThrownBy(() -> VersionResolver.resolve("m", "newest", List.of()))
                .hasMessageContaining("spec.version");
    }

    @Test
    void aPinnedVersionStillTrainingOrFailedIsNotServedAndSaysWhy() {
        ModelVersion training = mv(2, false, false);
        training.getSpec().training =
                new ModelVersionSpec.Training(ModelVersionSpec.State.Training, null, null);
        ModelVersion failed = mv(3, false, false);
        failed.getSpec().training =
                new ModelVersionSpec.Training(ModelVersionSpec.State.Failed, "OOMKilled", "x");
        var all = List.of(mv(1, true, false), training, failed);

        var r = VersionResolver.resolve("m", "2", all);
        assertThat(r.found()).isFalse();
        assertThat(r.reason()).isEqualTo("VersionNotTrained");
        assertThat(r.message()).contains("spec.version").contains("m v2 is still being trained");
        assertThat(VersionResolver.resolve("m", "3", all).message())
                .contains("m v3 failed training");
        assertThat(VersionResolver.resolve("m", "latestApproved", all).version().getSpec().version)
                .isEqualTo(1);
    }
}
