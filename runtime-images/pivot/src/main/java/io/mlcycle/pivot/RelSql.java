package io.mlcycle.pivot;

import io.mlcycle.common.SparseTables;

import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;

/** Small SQL text helpers for DuckDB. */
final class RelSql {

    private RelSql() {}

    /** A quoted identifier. */
    static String ident(String name) {
        return "\"" + name.replace("\"", "\"\"") + "\"";
    }

    /** A list literal of file paths, e.g. {@code ['a.parquet', 'b.parquet']}. */
    static String fileList(List<Path> files) {
        return files.stream()
                .map(p -> SparseTables.literal(p.toString()))
                .collect(Collectors.joining(", ", "[", "]"));
    }

    static String literal(Path p) {
        return SparseTables.literal(p.toString());
    }
}
