package io.mlcycle.model;

import io.mlcycle.common.FeatureCatalog;
import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.FeatureInput;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class FeatureAssemblerTest {

    static void table(Path dir, List<String> names, List<SparseTables.Row> rows) throws Exception {
        SparseTables.write(dir, rows);
        List<FeatureCatalog.Feature> fs = new java.util.ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            fs.add(new FeatureCatalog.Feature(i, names.get(i), 1, 0, 10, 1));
        }
        new FeatureCatalog("user_id", "2026-11-20", fs).write(dir);
    }

    static SparseTables.Row row(String e, int[] idx, float... val) {
        return new SparseTables.Row(e, idx, val);
    }

    @Test
    void joinsTablesByEntityWithZerosForMissingTables(@TempDir Path tmp) throws Exception {
        table(
                tmp.resolve("a"),
                List.of("x", "y"),
                List.of(row("u1", new int[] {0}, 1f), row("u2", new int[] {0, 1}, 2f, 3f)));
        table(
                tmp.resolve("b"),
                List.of("x", "z", "w"),
                List.of(row("u2", new int[] {2}, 4f), row("u3", new int[] {0, 1}, 5f, 6f)));
        FeatureAssembler.Assembled a =
                FeatureAssembler.assemble(
                        List.of(
                                new FeatureInput("a", "2026-11-20", tmp.resolve("a").toString()),
                                new FeatureInput("b", "2026-11-20", tmp.resolve("b").toString())));
        assertThat(a.names()).containsExactly("a/x", "a/y", "b/x", "b/z", "b/w");
        SparseMatrix m = a.matrix();
        assertThat(m.entities()).containsExactly("u1", "u2", "u3");
        assertThat(m.denseRow(0)).containsExactly(1f, 0f, 0f, 0f, 0f);
        assertThat(m.denseRow(1)).containsExactly(2f, 3f, 0f, 0f, 4f);
        assertThat(m.denseRow(2)).containsExactly(0f, 0f, 5f, 6f, 0f);
        assertThat(a.features().get(3).featureView()).isEqualTo("b");
        assertThat(a.features().get(3).source()).isEqualTo("z");

        SparseMatrix p = FeatureAssembler.project(a, List.of("b/w", "a/x", "c/unknown"));
        assertThat(p.numFeatures()).isEqualTo(3);
        assertThat(p.denseRow(1)).containsExactly(4f, 2f, 0f);
        assertThat(p.cols()).containsExactly(1, 0, 1); // u1: a/x; u2: b/w, a/x ascending
    }

    @Test
    void rejectsDuplicateFeatureViewsAndEntities(@TempDir Path tmp) throws Exception {
        table(
                tmp.resolve("a"),
                List.of("x"),
                List.of(row("u1", new int[] {0}, 1f), row("u1", new int[] {0}, 2f)));
        FeatureInput in = new FeatureInput("a", "d", tmp.resolve("a").toString());
        assertThatThrownBy(() -> FeatureAssembler.assemble(List.of(in)))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("u1");
        assertThatThrownBy(() -> FeatureAssembler.assemble(List.of(in, in)))
                .hasMessageContaining("listed twice");
        assertThatThrownBy(() -> FeatureAssembler.assemble(List.of()))
                .hasMessageContaining("features");
    }

    @Test
    void rejectsIndicesBeyondTheCatalog(@TempDir Path tmp) throws Exception {
        SparseTables.write(tmp.resolve("a"), List.of(row("u1", new int[] {3}, 1f)));
        new FeatureCatalog("user_id", "d", List.of(new FeatureCatalog.Feature(0, "x", 1, 0, 1, 1)))
                .write(tmp.resolve("a"));
        assertThatThrownBy(
                        () ->
                                FeatureAssembler.assemble(
                                        List.of(
                                                new FeatureInput(
                                                        "a", "d", tmp.resolve("a").toString()))))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("index 3");
    }
}
