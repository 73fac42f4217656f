package io.mlcycle.lake;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.Summary;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.jdbc.JdbcCatalog;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Where a lake table lives: an Iceberg catalog ({@code hadoop} on a {@code file://} warehouse, or
 * {@code jdbc} on a database a platform team runs) and the table's namespace and name.
 */
public record LakeCatalog(
        String type,
        String name,
        String uri,
        String warehouse,
        String user,
        String password,
        String namespace,
        String table) {

    /** Catalog types this library opens. */
    public static final String HADOOP = "hadoop";

    public static final String JDBC = "jdbc";

    /** The table in its catalog, for messages: {@code jdbc catalog 'lake' (uri), table ns.t}. */
    public String describe() {
        String where = JDBC.equals(type) ? uri : warehouse;
        return type + " catalog '" + name + "' (" + where + "), table " + identifier();
    }

    public TableIdentifier identifier() {
        return TableIdentifier.of(required("namespace", namespace), required("table", table));
    }

    /**
     * Opens the catalog. Bad settings are {@code Invalid} naming the field; a catalog that cannot
     * be reached is {@code Failed} with reason {@code CatalogUnreachable} naming it and the table
     * (never the password).
     */
    public Catalog open() {
        String kind = required("type", type).toLowerCase(Locale.ROOT);
        required("name", name);
        required("warehouse", warehouse);
        identifier();
        Map<String, String> props = new HashMap<>();
        props.put(CatalogProperties.WAREHOUSE_LOCATION, warehouse);
        try {
            switch (kind) {
                case HADOOP -> {
                    HadoopCatalog catalog = new HadoopCatalog();
                    catalog.setConf(new Configuration());
                    catalog.initialize(name, props);
                    return catalog;
                }
                case JDBC -> {
                    props.put(CatalogProperties.URI, required("uri", uri));
                    if (user != null) {
                        props.put(JdbcCatalog.PROPERTY_PREFIX + "user", user);
                    }
                    if (password != null) {
                        props.put(JdbcCatalog.PROPERTY_PREFIX + "password", password);
                    }
                    // V1 also records views; the layout Spark's and Trino's JDBC catalogs read
                    props.put(JdbcCatalog.PROPERTY_PREFIX + "schema-version", "V1");
                    JdbcCatalog catalog = new JdbcCatalog();
                    catalog.setConf(new Configuration());
                    catalog.initialize(name, props);
                    return catalog;
                }
                default ->
                        throw TaskFailure.invalid(
                                "InvalidCatalog",
                                "catalog.type '"
                                        + type
                                        + "' is not one of "
                                        + HADOOP
                                        + ", "
                                        + JDBC);
            }
        } catch (TaskFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw unreachable(e);
        }
    }

    /** The failure of a catalog call that did not get through. */
    TaskFailure unreachable(RuntimeException e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return new TaskFailure(
                Summary.Outcome.Failed,
                "CatalogUnreachable",
                "cannot reach "
                        + describe()
                        + ": "
                        + root.getClass().getSimpleName()
                        + ": "
                        + root.getMessage());
    }

    private static String required(String field, String value) {
        if (value == null || value.isBlank()) {
            throw TaskFailure.invalid("InvalidCatalog", "catalog." + field + " is required");
        }
        return value;
    }
}
