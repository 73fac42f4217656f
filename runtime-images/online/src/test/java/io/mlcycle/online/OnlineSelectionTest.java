package io.mlcycle.online;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class OnlineSelectionTest {

    /** Features a..e, supports 5, 1, 4, 2, 3; u1 has a, c, e; u2 has only b. */
    private static final FeatureCatalog CATALOG =
            new FeatureCatalog(
                    "user_id",
                    "2026-11-20",
                    List.of(
                            new FeatureCatalog.Feature(0, "a", 5, 0, 9, 1),
                            new FeatureCatalog.Feature(1, "b", 1, 0, 9, 1),
                            new FeatureCatalog.Feature(2, "c", 4, 1, 7, 2),
                            new FeatureCatalog.Feature(3, "d", 2, 0, 9, 1),
                            new FeatureCatalog.Feature(4, "e", 3, 0, 9, 1)));

    private static final SparseMatrix ROWS =
            new SparseMatrix(
                    new String[] {"u1", "u2"},
                    new int[] {0, 3, 4},
                    new int[] {0, 2, 4, 1},
                    new float[] {1f, 3f, 5f, 2f},
                    5);

    @Test
    void onlyTheNamedColumnsStayReindexedInTableOrderWithTheirStatistics() {
        var n = new OnlineSelection(List.of("e", "c"), 0).apply(ROWS, CATALOG);

        assertThat(n.catalog().features())
                .containsExactly(
                        new FeatureCatalog.Feature(0, "c", 4, 1, 7, 2),
                        new FeatureCatalog.Feature(1, "e", 3, 0, 9, 1));
        assertThat(n.rows().numFeatures()).isEqualTo(2);
        assertThat(n.rows().cols()).containsExactly(0, 1);
        assertThat(n.rows().values()).containsExactly(3f, 5f);
        // u2 has none of them: it keeps an empty row, so it stays a known entity
        assertThat(n.rows().entities()).containsExactly("u1", "u2");
        assertThat(n.rows().rowPtr()).containsExactly(0, 2, 2);
        assertThat(n.absent()).isEmpty();
    }

    @Test
    void theMarginAddsTheMostSupportedOtherColumns() {
        var n = new OnlineSelection(List.of("b"), 2).apply(ROWS, CATALOG);

        assertThat(n.catalog().features().stream().map(FeatureCatalog.Feature::name))
                .containsExactly("a", "b", "c");
    }

    @Test
    void aNamedColumnThisVersionLacksIsReportedNotWritten() {
        var n = new OnlineSelection(List.of("a", "gone"), 0).apply(ROWS, CATALOG);

        assertThat(n.catalog().size()).isEqualTo(1);
        assertThat(n.absent()).containsExactly("gone");
    }

    @Test
    void withoutAColumnListEveryColumnStays() {
        var n = OnlineSelection.ALL.apply(ROWS, CATALOG);

        assertThat(n.rows()).isSameAs(ROWS);
        assertThat(n.catalog()).isSameAs(CATALOG);
    }

    @Test
    void aNegativeMarginIsRefused() {
        assertThatThrownBy(() -> new OnlineSelection(List.of("a"), -1))
                .hasMessageContaining("margin");
    }
}
