package io.mlcycle.server;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class FeedbackWindowTest {

    @Test
    void anIdTakesFeedbackOnceWithTheClassThatWasPredicted() {
        FeedbackWindow w = new FeedbackWindow(10);
        String[] ids = w.record(new float[] {0.9f, 0.2f}, 0.5);
        assertThat(ids[0]).isNotEqualTo(ids[1]);
        assertThat(w.take(ids[0]))
                .isEqualTo(new FeedbackWindow.Match(FeedbackWindow.Status.ACCEPTED, 1));
        assertThat(w.take(ids[1]))
                .isEqualTo(new FeedbackWindow.Match(FeedbackWindow.Status.ACCEPTED, 0));
        assertThat(w.take(ids[0]).status()).isEqualTo(FeedbackWindow.Status.DUPLICATE);
    }

    @Test
    void predictionsOlderThanTheWindowAndForeignIdsAreUnknown() {
        FeedbackWindow w = new FeedbackWindow(3);
        String old = w.record(new float[] {0.9f}, 0.5)[0];
        String[] recent = w.record(new float[] {0.1f, 0.1f, 0.1f}, 0.5);
        assertThat(w.take(old).status()).isEqualTo(FeedbackWindow.Status.UNKNOWN);
        assertThat(w.take(recent[0]).status()).isEqualTo(FeedbackWindow.Status.ACCEPTED);
        String other = new FeedbackWindow(3).record(new float[] {0.9f}, 0.5)[0];
        assertThat(w.take(other).status()).isEqualTo(FeedbackWindow.Status.UNKNOWN);
        assertThat(w.take("nonsense").status()).isEqualTo(FeedbackWindow.Status.UNKNOWN);
        String notYetIssued = recent[2].substring(0, recent[2].indexOf('-') + 1) + "zz";
        assertThat(w.take(notYetIssued).status()).isEqualTo(FeedbackWindow.Status.UNKNOWN);
    }
}
