package io.mlcycle.server;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Feedback waits for the inference copies of its predictions, and is lost with a lost copy. */
@UnitTier
class MirrorLedgerTest {

    private static FeedbackEntry label(long seq) {
        return new FeedbackEntry("abc-" + Long.toString(seq, 36), 1, 0);
    }

    @Test
    void aLabelOfAnAnsweredCopyIsReadyAtOnceAndOneOfAnUnknownOrFailedCopyIsLost() {
        MirrorLedger ledger = new MirrorLedger(100);
        MirrorLedger.Copy answered = ledger.expect("abc-0", 2);
        MirrorLedger.Copy failed = ledger.expect("abc-2", 1);
        assertThat(ledger.ended(answered, true)).isEmpty();
        assertThat(ledger.ended(failed, false)).isEmpty();

        MirrorLedger.Post p = ledger.sort(List.of(label(1), label(2), label(7)));
        assertThat(p).isNotNull();
        assertThat(p.ready).containsExactly(label(1));
        assertThat(p.lost).as("the failed copy's label and one never mirrored").isEqualTo(2);
    }

    @Test
    void aPostWaitsForEveryCopyStillInFlightAndKeepsOnlyTheLabelsOfAnsweredOnes() {
        MirrorLedger ledger = new MirrorLedger(100);
        MirrorLedger.Copy first = ledger.expect("abc-0", 3);
        MirrorLedger.Copy second = ledger.expect("abc-3", 1);

        assertThat(ledger.sort(List.of(label(0), label(2), label(3)))).isNull();
        assertThat(ledger.ended(second, false)).as("the first copy still holds it").isEmpty();
        List<MirrorLedger.Post> due = ledger.ended(first, true);
        assertThat(due).hasSize(1);
        assertThat(due.get(0).ready).containsExactlyInAnyOrder(label(0), label(2));
        assertThat(due.get(0).lost).isEqualTo(1);
    }

    @Test
    void anIdWhoseSlotANewerCopyTookIsLost() {
        MirrorLedger ledger = new MirrorLedger(4);
        ledger.ended(ledger.expect("abc-0", 1), true);
        ledger.ended(ledger.expect("abc-4", 1), true);
        MirrorLedger.Post p = ledger.sort(List.of(label(0), label(4)));
        assertThat(p.ready).containsExactly(label(4));
        assertThat(p.lost).isEqualTo(1);
    }
}
