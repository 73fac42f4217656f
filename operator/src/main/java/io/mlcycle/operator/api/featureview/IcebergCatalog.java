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
public class IcebergCatalog {

    /** Catalog implementations the runtimes open. */
    public enum Type {
        /** Iceberg's Hadoop catalog on a file:// warehouse (local mode, one writer per table). */
        hadoop,
        /** Iceberg's JDBC catalog on a database (PostgreSQL); its warehouse file:// or s3://. */
        jdbc
    }

    @Required
    @JsonPropertyDescription(
            "hadoop (a file:// warehouse, for local mode) or jdbc (Iceberg's JDBC catalog on a"
                    + " database such as PostgreSQL; a file:// or s3:// warehouse).")
    public Type type;

    @Default("mlcycle")
    @JsonPropertyDescription("The catalog's name, as Spark and Trino configure it.")
    public String name;

    @JsonPropertyDescription("JDBC URL of a jdbc catalog, e.g. jdbc:postgresql://pg:5432/lake.")
    public String uri;

    @JsonPropertyDescription(
            "Root URI of the tables' files (file://, or s3://bucket/prefix with type jdbc);"
                    + " unset: spec.store.uri (batch scores: spec.batch.output.uri).")
    public String warehouse;

    @Default("features")
    @JsonPropertyDescription("The table's namespace.")
    public String namespace;

    @JsonPropertyDescription(
            "The table's name; unset: the FeatureView's name (batch scores:"
                    + " <the ModelDeployment's name>_scores).")
    public String table;

    @JsonPropertyDescription("Secret holding the catalog's user and password (jdbc).")
    public FeatureViewSpec.SecretRef credentialsSecret;
}
