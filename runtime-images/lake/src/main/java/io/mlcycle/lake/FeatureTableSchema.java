package io.mlcycle.lake;

import io.mlcycle.common.TaskFailure;
import org.apache.iceberg.Schema;
import org.apache.iceberg.mapping.MappingUtil;
import org.apache.iceberg.mapping.NameMappingParser;
import org.apache.iceberg.types.Types;

import java.util.ArrayList;
import java.util.List;

/**
 * The Iceberg schema of a sparse feature table ({@code entity, idx int[], val float[]}, as {@code
 * SparseTables} writes it) and the name mapping that gives DuckDB's files, which carry no field
 * ids, their columns.
 */
public final class FeatureTableSchema {

    /** The schema every feature table has. */
    public static final Schema SCHEMA =
            new Schema(
                    Types.NestedField.required(1, "entity", Types.StringType.get()),
                    Types.NestedField.optional(
                            2, "idx", Types.ListType.ofOptional(4, Types.IntegerType.get())),
                    Types.NestedField.optional(
                            3, "val", Types.ListType.ofOptional(5, Types.FloatType.get())));

    private FeatureTableSchema() {}

    /**
     * Value of {@code schema.name-mapping.default}: columns by name, list elements as "element".
     */
    public static String nameMappingJson(Schema schema) {
        return NameMappingParser.toJson(MappingUtil.create(schema));
    }

    /**
     * Refuses a table whose columns are not the feature table's: {@code Invalid}, reason {@code
     * TableSchemaMismatch}, naming the table and every differing column.
     */
    public static void check(String table, Schema actual) {
        List<String> differences = differences(SCHEMA, actual);
        if (!differences.isEmpty()) {
            throw TaskFailure.invalid(
                    "TableSchemaMismatch",
                    table
                            + " exists with another schema than a feature table's: "
                            + String.join("; ", differences));
        }
    }

    /** Column by column, by name: missing, extra, or of another type (ids are not compared). */
    static List<String> differences(Schema expected, Schema actual) {
        List<String> out = new ArrayList<>();
        for (Types.NestedField want : expected.columns()) {
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
            if (expected.findField(have.name()) == null) {
                out.add("column '" + have.name() + "' is not a feature table column");
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
