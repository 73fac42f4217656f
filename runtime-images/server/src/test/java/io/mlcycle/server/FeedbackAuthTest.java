package io.mlcycle.server;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.ServeTask;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class FeedbackAuthTest {

    @Test
    void aServerWithNeitherATokenNorAuthTurnedOffRefusesToStartNamingTheVariables() {
        assertThatThrownBy(() -> FeedbackAuth.fromEnv(Map.of()))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining(ServeTask.FEEDBACK_TOKEN_ENV + " is not set")
                .hasMessageContaining(ServeTask.FEEDBACK_AUTH_ENV);
        assertThatThrownBy(() -> FeedbackAuth.fromEnv(Map.of(ServeTask.FEEDBACK_TOKEN_ENV, "  ")))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining(ServeTask.FEEDBACK_TOKEN_ENV + " is empty");
    }

    @Test
    void authTurnedOffExplicitlyLetsAnyonePostFeedback() {
        FeedbackAuth open =
                FeedbackAuth.fromEnv(
                        Map.of(ServeTask.FEEDBACK_AUTH_ENV, ServeTask.FEEDBACK_AUTH_OFF));
        assertThat(open.required()).isFalse();
        assertThat(open.check(null)).isNull();
        assertThat(open.token()).isNull();
    }

    @Test
    void onlyTheExactBearerTokenIsAccepted() {
        FeedbackAuth auth = FeedbackAuth.fromEnv(Map.of(ServeTask.FEEDBACK_TOKEN_ENV, "s3cret"));
        assertThat(auth.check("Bearer s3cret")).isNull();
        assertThat(auth.check("bearer s3cret")).isNull();
        assertThat(auth.check(null)).isEqualTo(FeedbackAuth.Rejection.MISSING);
        assertThat(auth.check("s3cret")).isEqualTo(FeedbackAuth.Rejection.MISSING);
        assertThat(auth.check("Bearer s3cre")).isEqualTo(FeedbackAuth.Rejection.WRONG);
        assertThat(auth.check("Bearer s3cretx")).isEqualTo(FeedbackAuth.Rejection.WRONG);
        assertThat(auth.check("Bearer ")).isEqualTo(FeedbackAuth.Rejection.WRONG);
    }
}
