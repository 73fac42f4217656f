package io.mlcycle.pivot.spark;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.common.SparseTables;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** What the engine tests compare: two published versions' rows, files and figures. */
final class EngineOutputs {

    private EngineOutputs() {}

    static Map<String, Double> withoutSeconds(Map<String, Double> figures) {
        Map<String, Double> m = new LinkedHashMap<>(figures);
        m.remove("seconds");
        return m;
    }

    /** Entity by entity: the same indices and bit-for-bit the same values. */
    static void assertSameRows(Path duck, Path spark) throws IOException {
        SparseMatrix a = SparseTables.read(duck);
        SparseMatrix b = SparseTables.read(spark);
        assertThat(b.entities()).containsExactly(a.entities());
        for (int r = 0; r < a.rows(); r++) {
            int from = a.rowPtr()[r];
            int to = a.rowPtr()[r + 1];
            assertThat(b.rowPtr()[r + 1] - b.rowPtr()[r]).as(a.entities()[r]).isEqualTo(to - from);
            for (int k = from; k < to; k++) {
                int kb = b.rowPtr()[r] + k - from;
                assertThat(b.cols()[kb]).as(a.entities()[r]).isEqualTo(a.cols()[k]);
                assertThat(Float.floatToRawIntBits(b.values()[kb]))
                        .as(a.entities()[r] + " value " + a.values()[k])
                        .isEqualTo(Float.floatToRawIntBits(a.values()[k]));
            }
        }
    }

    static void assertSameFiles(Path duck, Path spark) throws IOException {
        List<String> names = names(duck);
        assertThat(names(spark)).isEqualTo(names);
        assertThat(names).contains("features.json", "stats.json", "wide.parquet", "_SUCCESS");
        for (String n : names) {
            if (n.equals("_SUCCESS")) {
                continue; // on S3 the marker names its version's own generation
            }
            if (n.equals("stats.json")) {
                Map<String, Object> a = stats(duck.resolve(n));
                Map<String, Object> b = stats(spark.resolve(n));
                assertThat(b).isEqualTo(a);
            } else {
                assertThat(Files.readAllBytes(spark.resolve(n)))
                        .as(n)
                        .isEqualTo(Files.readAllBytes(duck.resolve(n)));
            }
        }
    }

    private static List<String> names(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> stats(Path file) throws IOException {
        Map<String, Object> m = TaskJson.MAPPER.readValue(file.toFile(), Map.class);
        m.remove("seconds");
        return m;
    }
}
