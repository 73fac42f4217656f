package io.mlcycle.operator.api.featureview;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * The Iceberg catalog and table a FeatureView with {@code store.format: iceberg} (or a
 * ModelDeployment's batch scores with {@code output.format: iceberg}) commits to.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "self.type != 'jdbc' || has(self.uri)",
        message = "catalog.uri (the JDBC URL) is required for a jdbc catalog")
@ValidationRule(
        value = "self.type != 'rest' || has(self.uri)",
        message = "catalog.uri (the REST endpoint) is required for a rest catalog")
public class IcebergCatalog {

    /** Catalog implementations the runtimes open. */
    public enum Type {
        /** Iceberg's Hadoop catalog on a file:// warehouse (local mode, one writer per table). */
        hadoop,
        /** Iceberg's JDBC catalog on a database (PostgreSQL); its warehouse file:// or s3://. */
        jdbc,
        /** A server speaking Iceberg's REST catalog protocol. */
        rest
    }

    @Required
    @JsonPropertyDescription(
            "hadoop (a file:// warehouse, for local mode), jdbc (Iceberg's JDBC catalog on a"
                    + " database such as PostgreSQL; a file:// or s3:// warehouse) or rest (a"
                    + " server speaking Iceberg's REST catalog protocol).")
    public Type type;

    @Default("mlcycle")
    @JsonPropertyDescription("The catalog's name, as Spark and Trino configure it.")
    public String name;

    @JsonPropertyDescription(
            "JDBC URL of a jdbc catalog, e.g. jdbc:postgresql://pg:5432/lake; the endpoint of a"
                    + " rest catalog, https unless an in-cluster Service or allowPlainHttp.")
    public String uri;

    @JsonPropertyDescription(
            "Root URI of the tables' files (file://, or s3://bucket/prefix with type jdbc);"
                    + " unset: spec.store.uri (batch scores: spec.batch.output.uri). With type"
                    + " rest: the REST warehouse property, sent only when set (the server places the"
                    + " tables).")
    public String warehouse;

    @Default("features")
    @JsonPropertyDescription("The table's namespace.")
    public String namespace;

    @JsonPropertyDescription(
            "The table's name; unset: the FeatureView's name (batch scores:"
                    + " <the ModelDeployment's name>_scores).")
    public String table;

    @JsonPropertyDescription(
            "Secret holding the catalog's credentials: jdbc, the user and password (userKey,"
                    + " passwordKey); rest, an OAuth2 client id and secret (userKey, passwordKey)"
                    + " and/or a bearer token (key token), each optional in the Secret.")
    public FeatureViewSpec.SecretRef credentialsSecret;

    @Default("false")
    @JsonPropertyDescription(
            "rest: let pods send the credentials over plain http to a uri outside the cluster"
                    + " (not a *.svc Service name or a loopback address).")
    public Boolean allowPlainHttp;

    /** Key of a rest catalog's bearer token in {@link #credentialsSecret}. */
    public static final String TOKEN_KEY = "token";
}
