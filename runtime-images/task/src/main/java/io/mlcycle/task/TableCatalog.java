package io.mlcycle.task;

/**
 * Where a feature table stored as an Apache Iceberg table lives: the catalog and the table's name
 * in it. Credentials are read from the named environment variables, never from the task.
 *
 * @param type {@link #HADOOP} (a warehouse path, {@code file://}), {@link #JDBC} or {@link #REST}
 * @param name the catalog's name (what Spark and Trino call it)
 * @param uri the JDBC URL of a {@code jdbc} catalog, the endpoint of a {@code rest} one
 * @param warehouse root URI of the tables' files; null: the store's {@code uri} ({@code rest}: the
 *     REST {@code warehouse} property, null: none)
 * @param namespace the table's namespace
 * @param table the table's name
 * @param userEnv environment variable holding the catalog user, a {@code rest} catalog's OAuth2
 *     client id (null: none)
 * @param passwordEnv environment variable holding the catalog password, a {@code rest} catalog's
 *     OAuth2 client secret (null: none)
 * @param tokenEnv environment variable holding a {@code rest} catalog's bearer token (null: none)
 */
public record TableCatalog(
        String type,
        String name,
        String uri,
        String warehouse,
        String namespace,
        String table,
        String userEnv,
        String passwordEnv,
        String tokenEnv) {

    /** Store format: today's dated directories with {@code _SUCCESS} markers (the default). */
    public static final String FORMAT_PARQUET = "parquet";

    /** Store format: one Apache Iceberg table, a tagged snapshot per as-of. */
    public static final String FORMAT_ICEBERG = "iceberg";

    /** Catalog type: Iceberg's Hadoop catalog on a warehouse path. */
    public static final String HADOOP = "hadoop";

    /** Catalog type: Iceberg's JDBC catalog. */
    public static final String JDBC = "jdbc";

    /** Catalog type: Iceberg's REST catalog protocol. */
    public static final String REST = "rest";
}
