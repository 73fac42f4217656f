package io.mlcycle.operator.api.featureview;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;
import io.mlcycle.operator.api.PodOverrides;
import io.mlcycle.operator.api.SparkSpec;
import io.mlcycle.operator.api.StorageSpec;

import java.util.List;

/** What to pivot, from where, when, and which rules a table must pass. */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(
        value = "self.engine == 'spark' || !has(self.spark)",
        message = "spark settings need engine: spark")
@ValidationRule(
        value = "!has(self.pivot.select) || has(self.online)",
        message = "pivot.select narrows the online copy: it needs spec.online")
public class FeatureViewSpec {

    public static final String CRON_PATTERN =
            "^(@(yearly|annually|monthly|weekly|daily|midnight|hourly)|(\\S+\\s+){4}\\S+)$";

    /**
     * Every data URI: file:// on the shared volume, or s3://bucket/key in any S3-compatible store
     * (endpoint, region and credentials Secret: {@code spec.storage.s3} over the operator's {@code
     * mlcycle.storage.s3.*}).
     */
    public static final String URI_PATTERN =
            "^(file:/.*|/.*|s3://[a-z0-9][-a-z0-9.]{1,61}[a-z0-9](/.*)?)$";

    public static final String DATE_PATTERN = "^[0-9]{4}-[0-9]{2}-[0-9]{2}$";

    @Required
    @JsonPropertyDescription("Entity column of the source: one output row per distinct value.")
    public String entity;

    @Required
    @JsonPropertyDescription("Where the long event log is: files under a URI, or a JDBC table.")
    public Source source;

    @Required
    @JsonPropertyDescription("How the key column becomes features and values are aggregated.")
    public Pivot pivot;

    @Pattern("^[1-9][0-9]*d$")
    @Default("1d")
    @JsonPropertyDescription(
            "Look-back window in days (e.g. 7d): an as-of date D reads the partitions of [D - window,"
                    + " D).")
    public String window = "1d";

    @JsonPropertyDescription("Business rules shared by every model using this view.")
    public Filters filters;

    @Pattern(CRON_PATTERN)
    @JsonPropertyDescription(
            "Cron schedule (5 fields, or @daily…) of materializations, in timeZone. Without one,"
                    + " the view is materialized once per spec change.")
    public String schedule;

    @Default("UTC")
    @JsonPropertyDescription("Time zone of the schedule and of as-of dates.")
    public String timeZone = "UTC";

    @Pattern(DATE_PATTERN)
    @JsonPropertyDescription(
            "Materialize exactly this as-of date (ISO date) instead of today; ignored with a"
                    + " schedule.")
    public String asOf;

    @JsonPropertyDescription("Materialize every date of a past range, a bounded number at a time.")
    public Backfill backfill;

    @Required
    @JsonPropertyDescription("Where the dated tables are written: <uri>/asOf=<date>/.")
    public Store store;

    @JsonPropertyDescription("Rules a table must pass before it replaces the last good one.")
    public Validation validation;

    @Min(0)
    @Default("0")
    @JsonPropertyDescription(
            "Also write a wide table (one column per feature) for analysts when the feature count"
                    + " is at most this; 0 disables it.")
    public Integer wideExportMaxFeatures = 0;

    /** A Job's activeDeadline: 30s, 10m, 6h or 2d. */
    public static final String ACTIVE_DEADLINE_PATTERN = "^[1-9][0-9]*(s|m|h|d)$";

    @Min(0)
    @Default("1")
    @JsonPropertyDescription("Retries of a failed pivot pod (the Job's backoffLimit).")
    public Integer backoffLimit = 1;

    @Pattern(ACTIVE_DEADLINE_PATTERN)
    @Default("2h")
    @JsonPropertyDescription(
            "Longest a pivot Job may run, retries included (its activeDeadlineSeconds): then"
                    + " Kubernetes stops it and the materialization fails with"
                    + " DeadlineExceeded; the last good table stays.")
    public String activeDeadline = "2h";

    @JsonPropertyDescription(
            "Placement and metadata of the pivot pods: nodeSelector, tolerations, affinity,"
                    + " priorityClassName, imagePullSecrets, extra labels and annotations.")
    public PodOverrides pod;

    @JsonPropertyDescription(
            "Object storage of the pivot pods (Job or Spark driver and executors): endpoint, region, path-style and"
                    + " credentials Secret for its s3:// URIs, each defaulting to the operator's"
                    + " storage.s3 settings.")
    public StorageSpec storage;

    @Min(1)
    @Default("2")
    @JsonPropertyDescription("At most this many materializations run at once (backfill).")
    public Integer maxConcurrent = 2;

    @JsonPropertyDescription("Compute resources of the pivot pod (engine duckdb).")
    public io.fabric8.kubernetes.api.model.ResourceRequirements resources;

    @Default("duckdb")
    @JsonPropertyDescription(
            "What runs the pivot: duckdb (one pod, a Job) or spark (a SparkApplication of the"
                    + " Kubeflow Spark Operator: a driver and executors, for event logs that"
                    + " outgrow one pod). Same task, output layout, validation and summary;"
                    + " file:// and s3:// URIs with both (Spark reads s3:// through s3a).")
    public Engine engine = Engine.duckdb;

    @JsonPropertyDescription(
            "Settings of the Spark driver and executors; only with engine: spark (defaults apply"
                    + " when omitted).")
    public SparkSpec spark;

    @JsonPropertyDescription(
            "Also write every good materialization to an online store (Redis): the latest row per"
                    + " entity, switched atomically per version, for inference by entity id.")
    public Online online;

    /** Engines of the pivot. */
    public enum Engine {
        duckdb,
        spark
    }

    /** The online copy of a FeatureView. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Online {
        @Required
        @JsonPropertyDescription("The Redis server the rows are written to.")
        public Redis redis;

        @Pattern("^[1-9][0-9]*(s|m|h|d)$")
        @Default("48h")
        @JsonPropertyDescription(
                "How long a written version lives (e.g. 48h): a view that stops being materialized"
                        + " disappears from the online store as a whole after this.")
        public String ttl = "48h";
    }

    /** A Redis server and its password. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Redis {
        @Required
        @Pattern("^rediss?://.*")
        @JsonPropertyDescription(
                "redis://host:port/db (rediss:// for TLS), without credentials, e.g."
                        + " redis://redis.data:6379/0")
        public String url;

        @JsonPropertyDescription(
                "Secret key holding the Redis password; it reaches the pod as an environment"
                        + " variable and never appears in the task, status or logs.")
        public SecretKey passwordSecret;
    }

    /** One key of a Secret. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class SecretKey {
        @Required
        @JsonPropertyDescription("Secret name, in the resource's namespace.")
        public String name;

        @Default("password")
        @JsonPropertyDescription("Key in the Secret.")
        public String key = "password";
    }

    /** The event log's location. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "has(self.uri) != has(self.jdbc)",
            message = "source needs exactly one of uri and jdbc")
    public static class Source {
        @JsonPropertyDescription(
                "Directory or file URI of one partition with a {date} placeholder, e.g."
                        + " file:///data/raw/events/dt={date}/ or"
                        + " s3://bucket/raw/events/dt={date}/")
        @Pattern(URI_PATTERN)
        public String uri;

        @Default("parquet")
        @JsonPropertyDescription("File format: parquet or csv.")
        public Format format = Format.parquet;

        @JsonPropertyDescription(
                "File that must exist in a partition before it counts, e.g. _SUCCESS; until it"
                        + " does the view waits for data.")
        public String successMarker;

        @JsonPropertyDescription("Optional timestamp or date column also restricted to the window.")
        public String timeColumn;

        @JsonPropertyDescription("A JDBC (PostgreSQL) source instead of files.")
        public Jdbc jdbc;

        @Pattern("^[0-9]+(s|m|h)$")
        @Default("10m")
        @JsonPropertyDescription("How often to look again for a partition that is not there yet.")
        public String pollInterval = "10m";
    }

    /** File formats of a source. */
    public enum Format {
        parquet,
        csv
    }

    /** A table or query in a PostgreSQL database. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "has(self.table) != has(self.query)",
            message = "jdbc needs exactly one of table and query")
    public static class Jdbc {
        @Required
        @Pattern("^jdbc:postgresql:.*")
        @JsonPropertyDescription("JDBC URL, e.g. jdbc:postgresql://db:5432/events")
        public String url;

        @JsonPropertyDescription("Table (optionally schema-qualified) holding the event log.")
        public String table;

        @JsonPropertyDescription("A SELECT whose result is the event log.")
        public String query;

        @Required
        @JsonPropertyDescription(
                "Secret with the credentials; they reach the pod as environment variables and never"
                        + " appear in status or logs.")
        public SecretRef credentialsSecret;
    }

    /** Keys of a Secret. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class SecretRef {
        @Required
        @JsonPropertyDescription("Secret name, in the FeatureView's namespace.")
        public String name;

        @Default("username")
        @JsonPropertyDescription("Key of the user name.")
        public String userKey = "username";

        @Default("password")
        @JsonPropertyDescription("Key of the password.")
        public String passwordKey = "password";
    }

    /** Long-to-sparse pivot parameters. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "self.aggregate == 'count' || has(self.value)",
            message = "pivot.value is required unless aggregate is count")
    public static class Pivot {
        @Required
        @JsonPropertyDescription("Column whose distinct values become features (e.g. event_id).")
        public String key;

        @JsonPropertyDescription("Numeric column aggregated per entity and key (e.g. cnt).")
        public String value;

        @Default("sum")
        @JsonPropertyDescription("Aggregate: sum, count, max, min, mean or last.")
        public Aggregate aggregate = Aggregate.sum;

        @JsonPropertyDescription("Prefix of every feature name.")
        public String prefix;

        @Min(1)
        @Default("1")
        @JsonPropertyDescription("Keep a feature only if at least this many entities have it.")
        public Integer minEntities = 1;

        @Min(1)
        @Default("5000")
        @JsonPropertyDescription("Keep at most this many features, most supported first.")
        public Integer maxFeatures = 5000;

        @JsonPropertyDescription(
                "Write online only the features of these models' approved versions (needs"
                        + " spec.online); the stored table stays whole.")
        public ModelSelection select;
    }

    /** Aggregates of the pivot. */
    public enum Aggregate {
        sum,
        count,
        max,
        min,
        mean,
        last
    }

    /** A range of past as-of dates. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "self.from <= self.to",
            message = "backfill.from must not be after backfill.to")
    public static class Backfill {
        @Required
        @Pattern(DATE_PATTERN)
        @JsonPropertyDescription("First as-of date (ISO), inclusive.")
        public String from;

        @Required
        @Pattern(DATE_PATTERN)
        @JsonPropertyDescription("Last as-of date (ISO), inclusive.")
        public String to;
    }

    /** Versioned output location. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @ValidationRule(
            value = "!has(self.format) || self.format != 'iceberg' || has(self.catalog)",
            message = "store.catalog is required with store.format iceberg")
    public static class Store {
        @Required
        @Pattern(URI_PATTERN)
        @JsonPropertyDescription("Root URI of the dated tables: file:// or s3://bucket/prefix.")
        public String uri;

        @Min(1)
        @Default("14")
        @JsonPropertyDescription("How many dated versions to keep.")
        public Integer keep = 14;

        @Default("parquet")
        @JsonPropertyDescription(
                "parquet: dated directories with _SUCCESS markers; iceberg: one Apache Iceberg"
                        + " table in spec.store.catalog, each as-of a snapshot tagged asOf-<date>.")
        public StoreFormat format;

        @JsonPropertyDescription("The Iceberg catalog and table (store.format iceberg).")
        public IcebergCatalog catalog;
    }

    /** Table validation rules. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class Validation {
        @Min(0)
        @JsonPropertyDescription("At least this many entities.")
        public Integer minEntities;

        @Min(0)
        @JsonPropertyDescription("At least this many features.")
        public Integer minFeatures;

        @Min(0)
        @Max(1)
        @JsonPropertyDescription("At most this fraction of zero cells, e.g. 0.9995.")
        public Double maxSparsity;

        @JsonPropertyDescription("Features that must be present.")
        public List<String> requiredFeatures;
    }
}
