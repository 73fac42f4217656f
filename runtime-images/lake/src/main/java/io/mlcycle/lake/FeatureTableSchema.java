package io.mlcycle.lake;

import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types;

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

    /** A feature table, for {@link LakeTable#openOrCreate(LakeCatalog, TableKind)}. */
    public static final TableKind KIND = new TableKind("feature table", SCHEMA);

    private FeatureTableSchema() {}

    /**
     * Value of {@code schema.name-mapping.default}: columns by name, list elements as "element".
     */
    public static String nameMappingJson(Schema schema) {
        return new TableKind("table", schema).nameMappingJson();
    }

    /**
     * Refuses a table whose columns are not the feature table's: {@code Invalid}, reason {@code
     * TableSchemaMismatch}, naming the table and every differing column.
     */
    public static void check(String table, Schema actual) {
        KIND.check(table, actual);
    }
}
