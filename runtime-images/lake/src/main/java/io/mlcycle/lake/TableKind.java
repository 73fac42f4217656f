package io.mlcycle.lake;

import io.mlcycle.common.TaskFailure;
import org.apache.iceberg.Schema;
import org.apache.iceberg.mapping.MappingUtil;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.types.Types;

import java.util.ArrayList;
import java.util.List;

/**
 * What a lake table holds: its Iceberg schema, the name mapping that gives DuckDB's Parquet files
 * (which carry no field ids) their columns, and the check of a table someone else created.
 *
 * @param what the kind, for messages ("feature table", "scores table")
 */
public record TableKind(String what, Schema schema) {

    /**
     * Value of {@code schema.name-mapping.default}: columns by name, list elements as "element".
     */
    public String nameMappingJson() {
        return NameMappingParser.toJson(MappingUtil.create(schema));
    }

    /**
     * Refuses a table whose columns are not this kind's: {@code Invalid}, reason {@code
     * TableSchemaMismatch}, naming the table and every differing column.
     */
    public void check(String table, Schema actual) {
        List<String> differences = differences(actual);
        if (!differences.isEmpty()) {
            throw TaskFailure.invalid(
                    "TableSchemaMismatch",
                    table
                            + " exists with another schema than a "
                            + what
                            + "'s: "
                            + String.join("; ", differences));
        }
    }

    /** Column by column, by name: missing, extra, or of another type (ids are not compared). */
    List<String> differences(Schema actual) {
        List<String> out = new ArrayList<>();
        for (Types.NestedField want : schema.columns()) {
            Types.NestedField have = actual.findField(want.name());
            if (have == null) {
                out.add("column '" + want.name() + "' is missing (expected " + want.type() + ")");
            } else if (!sameType(want.type(), have.type())) {
                out.add(
                        "column '"
                                + want.name()
                                + "' is "
                                + have.type()
                                + ", expected "
                                + want.type());
            }
        }
        for (Types.NestedField have : actual.columns()) {
            if (schema.findField(have.name()) == null) {
                out.add("column '" + have.name() + "' is not a " + what + " column");
            }
        }
        return out;
    }

    private static boolean sameType(
            org.apache.iceberg.types.Type want, org.apache.iceberg.types.Type have) {
        if (want.isListType() && have.isListType()) {
            return sameType(want.asListType().elementType(), have.asListType().elementType());
        }
        return want.equals(have);
    }
}
