package io.mlcycle.lake;

import org.apache.iceberg.Schema;
import org.apache.iceberg.types.Types;

/**
 * The Iceberg schema of a batch scores table: the columns of {@code scores.parquet} as the batch
 * scorers write them ({@code entity string, score float, rank long}; rank 1 = highest score).
 */
public final class ScoreTableSchema {

    /** The schema every scores table has. */
    public static final Schema SCHEMA =
            new Schema(
                    Types.NestedField.optional(1, "entity", Types.StringType.get()),
                    Types.NestedField.optional(2, "score", Types.FloatType.get()),
                    Types.NestedField.optional(3, "rank", Types.LongType.get()));

    /** A scores table, for {@link LakeTable#openOrCreate(LakeCatalog, TableKind)}. */
    public static final TableKind KIND = new TableKind("scores table", SCHEMA);

    private ScoreTableSchema() {}
}
