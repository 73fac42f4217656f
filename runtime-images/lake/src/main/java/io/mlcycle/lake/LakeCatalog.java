package io.mlcycle.lake;

import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TableCatalog;
import org.apache.hadoop.conf.Configuration;
import org.apache.iceberg.CatalogProperties;
import org.apache.iceberg.aws.s3.S3FileIO;
import org.apache.iceberg.aws.s3.S3FileIOProperties;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.catalog.TableIdentifier;
import org.apache.iceberg.exceptions.ForbiddenException;
import org.apache.iceberg.exceptions.NotAuthorizedException;
import org.apache.iceberg.hadoop.HadoopCatalog;
import org.apache.iceberg.jdbc.JdbcCatalog;
import org.apache.iceberg.rest.RESTCatalog;
import org.apache.iceberg.rest.auth.OAuth2Properties;
import software.amazon.awssdk.services.s3.model.S3Exception;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Where a lake table lives: an Iceberg catalog ({@code hadoop} on a {@code file://} warehouse,
 * {@code jdbc} on a database a platform team runs, its warehouse {@code file://} or {@code s3://},
 * or {@code rest}, a server speaking Iceberg's REST catalog protocol) and the table's namespace and
 * name. For {@code rest}, {@code user} and {@code password} are an OAuth2 client id and secret and
 * {@code token} a bearer token.
 */
public record LakeCatalog(
        String type,
        String name,
        String uri,
        String warehouse,
        String user,
        String password,
        String namespace,
        String table,
        String token) {

    /** Catalog types this library opens. */
    public static final String HADOOP = TableCatalog.HADOOP;

    public static final String JDBC = TableCatalog.JDBC;

    public static final String REST = TableCatalog.REST;

    /**
     * The catalog a task names, its credentials read from the environment variables it names;
     * {@code defaultWarehouse} where the task names no warehouse (a {@code rest} catalog's
     * warehouse is the server's: none is assumed).
     */
    public static LakeCatalog of(
            TableCatalog c, String defaultWarehouse, Function<String, String> env) {
        if (c == null) {
            throw TaskFailure.invalid(
                    "InvalidCatalog", "store.catalog is required with store.format iceberg");
        }
        boolean unset = c.warehouse() == null || c.warehouse().isBlank();
        String warehouse = !unset ? c.warehouse() : REST.equals(c.type()) ? null : defaultWarehouse;
        return new LakeCatalog(
                c.type(),
                c.name(),
                c.uri(),
                warehouse,
                c.userEnv() == null ? null : env.apply(c.userEnv()),
                c.passwordEnv() == null ? null : env.apply(c.passwordEnv()),
                c.namespace(),
                c.table(),
                c.tokenEnv() == null ? null : env.apply(c.tokenEnv()));
    }

    /** The table in its catalog, for messages: {@code jdbc catalog 'lake' (uri), table ns.t}. */
    public String describe() {
        String where = JDBC.equals(type) || REST.equals(type) ? uri : warehouse;
        return type + " catalog '" + name + "' (" + where + "), table " + identifier();
    }

    public TableIdentifier identifier() {
        return TableIdentifier.of(required("namespace", namespace), required("table", table));
    }

    /**
     * Opens the catalog. Bad settings are {@code Invalid} naming the field; a catalog that cannot
     * be reached is {@code Failed} with reason {@code CatalogUnreachable} naming it and the table
     * (never the password); credentials a REST catalog refuses are {@code CatalogAccessDenied}.
     */
    public Catalog open() {
        String kind = required("type", type).toLowerCase(Locale.ROOT);
        required("name", name);
        boolean rest = REST.equals(kind);
        if (!rest) {
            required("warehouse", warehouse);
        }
        identifier();
        boolean s3 = warehouse != null && Storage.isS3(warehouse);
        if (s3 && HADOOP.equals(kind)) {
            throw TaskFailure.invalid("InvalidCatalog", hadoopOnS3(warehouse));
        }
        if (s3) {
            checkAccess();
        }
        try {
            return switch (kind) {
                case HADOOP -> hadoop();
                case JDBC -> jdbc(s3);
                case REST -> rest();
                default ->
                        throw TaskFailure.invalid(
                                "InvalidCatalog",
                                "store.catalog.type '"
                                        + type
                                        + "' is not one of "
                                        + String.join(", ", HADOOP, JDBC, REST));
            };
        } catch (TaskFailure e) {
            throw e;
        } catch (RuntimeException e) {
            throw unreachable(e);
        }
    }

    private Catalog hadoop() {
        HadoopCatalog catalog = new HadoopCatalog();
        catalog.setConf(new Configuration());
        catalog.initialize(name, Map.of(CatalogProperties.WAREHOUSE_LOCATION, warehouseLocation()));
        return catalog;
    }

    private Catalog jdbc(boolean s3) {
        Map<String, String> props = new HashMap<>();
        props.put(CatalogProperties.WAREHOUSE_LOCATION, warehouseLocation());
        props.put(CatalogProperties.URI, required("uri", uri));
        if (user != null) {
            props.put(JdbcCatalog.PROPERTY_PREFIX + "user", user);
        }
        if (password != null) {
            props.put(JdbcCatalog.PROPERTY_PREFIX + "password", password);
        }
        // V1 also records views; the layout Spark's and Trino's JDBC catalogs read
        props.put(JdbcCatalog.PROPERTY_PREFIX + "schema-version", "V1");
        if (s3) {
            props.put(CatalogProperties.FILE_IO_IMPL, S3FileIO.class.getName());
            props.put(S3FileIOProperties.CLIENT_FACTORY, PodS3Clients.class.getName());
        }
        JdbcCatalog catalog = new JdbcCatalog();
        catalog.setConf(new Configuration());
        catalog.initialize(name, props);
        return catalog;
    }

    /**
     * Iceberg's REST catalog: {@code credential} ({@code <client id>:<client secret>}, exchanged
     * for a token at the server's OAuth2 endpoint) and/or a bearer {@code token}; the table's files
     * through Iceberg's resolving FileIO ({@code file://} by Hadoop's, {@code s3://} by {@code
     * S3FileIO} on the pod's own S3 client).
     */
    private Catalog rest() {
        Map<String, String> props = new HashMap<>();
        props.put(CatalogProperties.URI, required("uri", uri));
        if (warehouse != null) {
            props.put(CatalogProperties.WAREHOUSE_LOCATION, warehouse);
        }
        if ((user == null) != (password == null)) {
            throw TaskFailure.invalid(
                    "InvalidCatalog",
                    "store.catalog.credentialsSecret: a rest catalog's OAuth2 credential needs"
                            + " both the client id (userKey) and the client secret (passwordKey);"
                            + " only the "
                            + (user == null ? "secret" : "id")
                            + " is set");
        }
        if (user != null) {
            props.put(OAuth2Properties.CREDENTIAL, user + ":" + password);
        }
        if (token != null) {
            props.put(OAuth2Properties.TOKEN, token);
        }
        props.put(S3FileIOProperties.CLIENT_FACTORY, PodS3Clients.class.getName());
        RESTCatalog catalog = new RESTCatalog();
        catalog.setConf(new Configuration());
        catalog.initialize(name, props);
        return catalog;
    }

    /**
     * Why the Hadoop catalog cannot keep a table on an {@code s3://} warehouse, naming the field.
     */
    public static String hadoopOnS3(String warehouse) {
        return "store.catalog.type hadoop cannot keep a table in warehouse '"
                + warehouse
                + "': Iceberg's Hadoop catalog commits by an atomic rename, which S3 lacks; use"
                + " store.catalog.type jdbc for an s3:// warehouse";
    }

    /**
     * Asks S3 for the warehouse once, before Iceberg does: keys S3 refuses fail at once ({@code
     * StorageAccessDenied}, naming catalog, table and where the keys came from) instead of after
     * Iceberg's retries of every metadata read.
     */
    private void checkAccess() {
        try {
            Storage.exists(warehouse, "store.catalog.warehouse");
        } catch (TaskFailure f) {
            throw new TaskFailure(f.outcome(), f.reason(), describe() + ": " + f.getMessage());
        }
    }

    /** The warehouse as Iceberg sees it: a {@code file://} one under local mode's file root. */
    String warehouseLocation() {
        if (warehouse.startsWith("/") || warehouse.startsWith("file:")) {
            return Uris.toPath(warehouse, "store.catalog.warehouse").toUri().toString();
        }
        return warehouse;
    }

    /**
     * The failure of a catalog call that did not get through: a REST catalog refusing its
     * credentials is {@code CatalogAccessDenied}, S3 refusing the pod's keys {@code
     * StorageAccessDenied} naming where the keys came from (never their value), anything else
     * {@code CatalogUnreachable}.
     */
    TaskFailure unreachable(Exception e) {
        for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
            if (t instanceof NotAuthorizedException || t instanceof ForbiddenException) {
                return TaskFailure.invalid(
                        "CatalogAccessDenied",
                        describe()
                                + ": the catalog refused its credentials ("
                                + t.getMessage()
                                + "); check store.catalog.credentialsSecret");
            }
        }
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            if (root instanceof S3Exception s3 && s3.statusCode() == 403) {
                break;
            }
            root = root.getCause();
        }
        if (root instanceof S3Exception s3 && s3.statusCode() == 403) {
            return TaskFailure.invalid(
                    "StorageAccessDenied",
                    describe()
                            + ": S3 denied access to warehouse "
                            + warehouse
                            + " with "
                            + Storage.settings().credentialsSource()
                            + " (check the keys and the bucket policy)");
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
            throw TaskFailure.invalid("InvalidCatalog", "store.catalog." + field + " is required");
        }
        return value;
    }
}
