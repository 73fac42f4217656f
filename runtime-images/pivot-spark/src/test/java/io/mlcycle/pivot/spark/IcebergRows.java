package io.mlcycle.pivot.spark;

import io.mlcycle.common.SparseMatrix;
import io.mlcycle.lake.ScanPlan;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A feature table's rows as sorted {@code entity:idx=val,…} lines, as Spark SQL reads them and as
 * mlcycle's reader (DuckDB over the files an Iceberg scan plans) reads them, for interop tests.
 */
final class IcebergRows {

    private IcebergRows() {}

    /** What Spark SQL returns for a query of {@code entity, idx, val}. */
    static List<String> spark(SparkSession spark, String sql) {
        List<String> out = new ArrayList<>();
        for (Row r : spark.sql(sql).collectAsList()) {
            List<Object> idx = r.getList(1);
            List<Object> val = r.getList(2);
            StringBuilder sb = new StringBuilder(r.getString(0)).append(':');
            for (int j = 0; j < idx.size(); j++) {
                sb.append(j == 0 ? "" : ",").append(idx.get(j)).append('=').append(val.get(j));
            }
            out.add(sb.toString());
        }
        return out.stream().sorted().toList();
    }

    /** What mlcycle's reader returns for a planned version. */
    static List<String> mlcycle(ScanPlan plan) throws IOException {
        SparseMatrix m = plan.read();
        List<String> out = new ArrayList<>();
        for (int r = 0; r < m.rows(); r++) {
            StringBuilder sb = new StringBuilder(m.entities()[r]).append(':');
            for (int k = m.rowPtr()[r]; k < m.rowPtr()[r + 1]; k++) {
                sb.append(k == m.rowPtr()[r] ? "" : ",")
                        .append(m.cols()[k])
                        .append('=')
                        .append(m.values()[k]);
            }
            out.add(sb.toString());
        }
        return out.stream().sorted().toList();
    }
}
