package io.mlcycle.task;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

@UnitTier
class ProgressTest {

    @Test
    void theLastReportOfALogIsItsProgressWhateverElseItPrinted() {
        String log =
                "[trainer] data: 4000 labelled rows\n"
                        + Progress.PREFIX
                        + "read 4000 labelled rows, 429 features\n"
                        + "[trainer] trial 1 logistic ...\n"
                        + Progress.PREFIX
                        + "resnet epoch 3/6, auc 0.8123\n"
                        + "WARN something else\n";
        assertEquals("resnet epoch 3/6, auc 0.8123", Progress.last(log));
        assertNull(Progress.last("no reports here\n"));
        assertNull(Progress.last(null));
    }
}
