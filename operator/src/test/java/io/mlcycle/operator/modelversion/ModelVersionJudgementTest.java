package io.mlcycle.operator.modelversion;

import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.operator.api.modelversion.ModelVersionStatus.GateResult;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Unit: the Approved condition a version's judgement sets. */
@UnitTier
class ModelVersionJudgementTest {

    private static GateResult passed(String message) {
        GateResult r = new GateResult();
        r.passed = true;
        r.message = message;
        return r;
    }

    @Test
    void aPersonsApprovalWinsOverTheGatesAndNamesTheirVerdict() {
        ModelVersionSpec spec = new ModelVersionSpec();
        spec.approval = ModelVersionSpec.Approval.Approved;
        spec.approvalReason = "checked by hand";
        var judged =
                ModelVersionReconciler.judge(spec, List.of(), Optional.of("auc 0.6 < min 0.7"));
        assertThat(judged.approved()).isTrue();
        assertThat(judged.reason()).isEqualTo("ManuallyApproved");
        assertThat(judged.message()).isEqualTo("checked by hand (gates: auc 0.6 < min 0.7)");
        spec.approval = ModelVersionSpec.Approval.Rejected;
        spec.approvalReason = null;
        judged = ModelVersionReconciler.judge(spec, List.of(), Optional.empty());
        assertThat(judged.approved()).isFalse();
        assertThat(judged.reason()).isEqualTo("ManuallyRejected");
        assertThat(judged.message()).isEqualTo("set by a person (gates passed)");
    }

    @Test
    void withoutAPersonTheFirstFailedGateRejectsAndPassedGatesApprove() {
        ModelVersionSpec spec = new ModelVersionSpec();
        var rejected =
                ModelVersionReconciler.judge(spec, List.of(), Optional.of("auc 0.6 < min 0.7"));
        assertThat(rejected.approved()).isFalse();
        assertThat(rejected.reason()).isEqualTo("GateFailed");
        assertThat(rejected.message()).isEqualTo("auc 0.6 < min 0.7");
        var approved =
                ModelVersionReconciler.judge(
                        spec,
                        List.of(passed("auc 0.8 >= min 0.7"), passed("logLoss 0.3 <= max 0.5")),
                        Optional.empty());
        assertThat(approved.approved()).isTrue();
        assertThat(approved.reason()).isEqualTo("GatesPassed");
        assertThat(approved.message()).isEqualTo("auc 0.8 >= min 0.7; logLoss 0.3 <= max 0.5");
        assertThat(ModelVersionReconciler.judge(spec, List.of(), Optional.empty()).message())
                .isEqualTo("no gates");
    }
}
