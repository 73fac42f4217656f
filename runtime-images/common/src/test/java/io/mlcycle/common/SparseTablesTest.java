package io.mlcycle.common;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class SparseTablesTest {

    @TempDir Path dir;

    @Test
    void writtenRowsReadBackAsCsrInOrderIncludingEmptyRows() throws Exception {
        new FeatureCatalog(
                        "user_id",
                        "2026-11-20",
                        List.of(
                                new FeatureCatalog.Feature(0, "a", 1, 1, 1, 1),
                                new FeatureCatalog.Feature(1, "b", 1, 2, 2, 2),
                                new FeatureCatalog.Feature(2, "c", 1, 3, 3, 3)))
                .write(dirCreated());
        SparseTables.write(
                dir,
                List.of(
                        new SparseTables.Row("u2", new int[] {2, 0}, new float[] {3f, 1f}),
                        new SparseTables.Row("u1", new int[] {}, new float[] {}),
                        new SparseTables.Row("u3", new int[] {1}, new float[] {2f})));

        SparseMatrix m = SparseTables.read(dir);

        assertThat(m.entities()).containsExactly("u2", "u1", "u3");
        assertThat(m.rowPtr()).containsExactly(0, 2, 2, 3);
        assertThat(m.cols()).containsExactly(0, 2, 1);
        assertThat(m.values()).containsExactly(1f, 3f, 2f);
        assertThat(m.numFeatures()).isEqualTo(3);
        assertThat(m.denseRow(0)).containsExactly(1f, 0f, 3f);
        assertThat(m.sparsity()).isEqualTo(1 - 3 / 9.0);
    }

    @Test
    void directoryWithoutCatalogIsRejectedByName() {
        assertThatThrownBy(() -> SparseTables.read(dir))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("features.json");
    }

    private Path dirCreated() throws Exception {
        java.nio.file.Files.createDirectories(dir);
        return dir;
    }
}
