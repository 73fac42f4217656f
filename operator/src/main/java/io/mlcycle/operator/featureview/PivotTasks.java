package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.SparkSpec;
import io.mlcycle.operator.api.featureview.EntityList;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.ModelSelection;
import io.mlcycle.operator.api.featureview.StoreFormat;
import io.mlcycle.operator.common.Durations;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.common.Schedules;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.PodEnv;
import io.mlcycle.task.Task;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Checks a FeatureView spec beyond the schema and resolves it into a {@link PivotTask}. */
public final class PivotTasks {

    public static final String JDBC_USER_ENV = PodEnv.JDBC_USER;
    public static final String JDBC_PASSWORD_ENV = PodEnv.JDBC_PASSWORD;

    /** The variable {@code RedisEndpoint.fromEnv} reads the Redis password from. */
    public static final String REDIS_PASSWORD_ENV = PodEnv.REDIS_PASSWORD;

    /** Iceberg catalog credentials (env names; the values come from the Secret). */
    public static final String CATALOG_USER_ENV = PodEnv.CATALOG_USER;

    public static final String CATALOG_PASSWORD_ENV = PodEnv.CATALOG_PASSWORD;

    /** A rest catalog's bearer token (env name; the value comes from the Secret). */
    public static final String CATALOG_TOKEN_ENV = PodEnv.CATALOG_TOKEN;

    private PivotTasks() {}

    /**
     * What is wrong with a spec the schema accepted (it does not evaluate every rule, and some
     * values only fail when parsed), naming the field; empty when it is fine.
     */
    public static Optional<String> invalid(FeatureViewSpec spec) {
        try {
            check(spec);
            return Optional.empty();
        } catch (IllegalArgumentException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static void check(FeatureViewSpec spec) {
        require(spec.entity, "spec.entity");
        if (spec.source == null) {
            throw new IllegalArgumentException("spec.source is required");
        }
        if ((spec.source.uri == null) == (spec.source.jdbc == null)) {
            throw new IllegalArgumentException("spec.source needs exactly one of uri and jdbc");
        }
        if (spec.source.jdbc != null) {
            require(spec.source.jdbc.url, "spec.source.jdbc.url");
            if ((spec.source.jdbc.table == null) == (spec.source.jdbc.query == null)) {
                throw new IllegalArgumentException(
                        "spec.source.jdbc needs exactly one of table and query");
            }
            if (spec.source.jdbc.credentialsSecret == null) {
                throw new IllegalArgumentException(
                        "spec.source.jdbc.credentialsSecret is required");
            }
        }
        Durations.parse(spec.source.pollInterval, "spec.source.pollInterval");
        if (spec.pivot == null) {
            throw new IllegalArgumentException("spec.pivot is required");
        }
        require(spec.pivot.key, "spec.pivot.key");
        if (spec.pivot.aggregate != FeatureViewSpec.Aggregate.count && spec.pivot.value == null) {
            throw new IllegalArgumentException(
                    "spec.pivot.value is required unless aggregate is count");
        }
        Durations.days(spec.window, "spec.window");
        Schedules.zone(spec.timeZone, "spec.timeZone");
        if (spec.schedule != null) {
            Schedules.parse(spec.schedule, spec.timeZone, "spec.schedule");
        }
        if (spec.asOf != null) {
            date(spec.asOf, "spec.asOf");
        }
        if (spec.backfill != null) {
            LocalDate from = date(spec.backfill.from, "spec.backfill.from");
            LocalDate to = date(spec.backfill.to, "spec.backfill.to");
            if (from.isAfter(to)) {
                throw new IllegalArgumentException(
                        "spec.backfill.from ("
                                + from
                                + ") must not be after spec.backfill.to ("
                                + to
                                + ")");
            }
        }
        if (spec.store == null) {
            throw new IllegalArgumentException("spec.store is required");
        }
        require(spec.store.uri, "spec.store.uri");
        checkCatalog(spec.store);
        if (spec.online != null) {
            checkRedis(spec.online.redis, "spec.online.redis");
            Durations.parse(spec.online.ttl, "spec.online.ttl");
        }
        if (spec.spark != null) {
            checkSpark(spec);
        }
        if (spec.pivot.select != null) {
            checkSelect(spec);
        }
    }

    private static void checkSelect(FeatureViewSpec spec) {
        ModelSelection select = spec.pivot.select;
        if (spec.online == null) {
            throw new IllegalArgumentException(
                    "spec.pivot.select narrows the online copy: it needs spec.online");
        }
        if (select.fromModels == null || select.fromModels.isEmpty()) {
            throw new IllegalArgumentException("spec.pivot.select.fromModels names no model");
        }
        if (select.fromModels.stream().anyMatch(m -> m == null || m.isBlank())) {
            throw new IllegalArgumentException("spec.pivot.select.fromModels has an empty name");
        }
        atLeastOne(select.topK, "spec.pivot.select.topK");
        if (select.margin != null && select.margin < 0) {
            throw new IllegalArgumentException(
                    "spec.pivot.select.margin: " + select.margin + " is less than 0");
        }
        if (select.applyTo == ModelSelection.ApplyTo.both) {
            throw new IllegalArgumentException(
                    "spec.pivot.select.applyTo: both (narrowing the stored table too) is not"
                            + " built; the stored table stays whole so training can explore: use"
                            + " online");
        }
    }

    /** Smallest JVM heap Spark starts a driver or executor with (it reserves 300 MiB × 1.5). */
    static final long MIN_SPARK_MEMORY_MIB = 512;

    private static void checkSpark(FeatureViewSpec spec) {
        if (spec.engine != FeatureViewSpec.Engine.spark) {
            throw new IllegalArgumentException(
                    "spec.spark is set but spec.engine is "
                            + spec.engine
                            + ": spark settings need engine: spark");
        }
        SparkSpec spark = spec.spark;
        if (spark.driver != null) {
            atLeastOne(spark.driver.cores, "spec.spark.driver.cores");
            sparkMemory(spark.driver.memory, "spec.spark.driver.memory");
        }
        if (spark.executor != null) {
            atLeastOne(spark.executor.instances, "spec.spark.executor.instances");
            atLeastOne(spark.executor.cores, "spec.spark.executor.cores");
            sparkMemory(spark.executor.memory, "spec.spark.executor.memory");
        }
        SparkSpec.DynamicAllocation dynamic = spark.dynamicAllocation;
        if (dynamic != null
                && dynamic.minExecutors != null
                && dynamic.maxExecutors != null
                && dynamic.minExecutors > dynamic.maxExecutors) {
            throw new IllegalArgumentException(
                    "spec.spark.dynamicAllocation.minExecutors: "
                            + dynamic.minExecutors
                            + " exceeds maxExecutors "
                            + dynamic.maxExecutors);
        }
    }

    private static void atLeastOne(Integer value, String field) {
        if (value != null && value < 1) {
            throw new IllegalArgumentException(field + ": " + value + " is less than 1");
        }
    }

    /** MiB of a Spark memory string (a number, MiB without a suffix), failing with the field. */
    static long sparkMemory(String value, String field) {
        if (value == null) {
            return MIN_SPARK_MEMORY_MIB;
        }
        var m = java.util.regex.Pattern.compile("^([1-9][0-9]{0,9})([kmgt]?)$").matcher(value);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    field + ": '" + value + "' is not a Spark memory size such as 512m or 2g");
        }
        long n = Long.parseLong(m.group(1));
        long mib =
                switch (m.group(2)) {
                    case "k" -> n / 1024;
                    case "g" -> n * 1024;
                    case "t" -> n * 1024 * 1024;
                    default -> n;
                };
        if (mib < MIN_SPARK_MEMORY_MIB) {
            throw new IllegalArgumentException(
                    field + ": '" + value + "' is less than the minimum 512m");
        }
        return mib;
    }

    /**
     * Checks a Redis reference (URL scheme, Secret name), naming {@code field} when it is wrong.
     */
    public static void checkRedis(FeatureViewSpec.Redis redis, String field) {
        if (redis == null) {
            throw new IllegalArgumentException(field + " is required");
        }
        require(redis.url, field + ".url");
        if (!redis.url.startsWith("redis://") && !redis.url.startsWith("rediss://")) {
            throw new IllegalArgumentException(
                    field + ".url: '" + redis.url + "' must start with redis:// or rediss://");
        }
        if (redis.passwordSecret != null) {
            require(redis.passwordSecret.name, field + ".passwordSecret.name");
        }
    }

    /** The Redis password from its Secret as {@link #REDIS_PASSWORD_ENV}; empty without one. */
    public static List<EnvVar> redisEnv(FeatureViewSpec.Redis redis) {
        if (redis == null || redis.passwordSecret == null) {
            return List.of();
        }
        return List.of(
                RuntimeJobs.secretEnv(
                        REDIS_PASSWORD_ENV,
                        redis.passwordSecret.name,
                        Defaults.copy(redis.passwordSecret).key));
    }

    /**
     * An Iceberg store names its catalog; its files go to a file:// warehouse, or an s3:// one with
     * the JDBC catalog (the Hadoop catalog commits by an atomic rename, which S3 lacks). Both
     * engines commit it: the Spark driver runs the DuckDB engine's commit.
     */
    private static void checkCatalog(FeatureViewSpec.Store store) {
        if (store.format != StoreFormat.iceberg) {
            return;
        }
        IcebergCatalogs.checkCatalog(store.catalog, store.uri, "spec.store");
    }

    /** The task's store: format and, for Iceberg, the catalog with the table named. */
    static PivotTask.Store store(FeatureView fv, FeatureViewSpec.Store store) {
        return new PivotTask.Store(
                store.uri,
                store.keep,
                store.format.name(),
                IcebergCatalogs.catalog(fv.getMetadata(), store));
    }

    private static void require(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " is required");
        }
    }

    /** Parses an ISO date, failing with the field named. */
    public static LocalDate date(String value, String field) {
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException | NullPointerException e) {
            throw new IllegalArgumentException(
                    field + ": '" + value + "' is not an ISO date (yyyy-MM-dd)");
        }
    }

    /** The fully resolved task of one as-of date: window, source, filters, store, validation. */
    public static PivotTask task(FeatureView fv, LocalDate asOf) {
        return task(fv, asOf, null, null);
    }

    /**
     * {@link #task(FeatureView, LocalDate)} with the online write narrowed to {@code onlineColumns}
     * (and {@code spec.pivot.select.margin} more; null writes every column), plus the top features
     * of the {@code ranking}'s versions read from their full rankings (null: none).
     */
    public static PivotTask task(
            FeatureView fv, LocalDate asOf, List<String> onlineColumns, PivotTask.Ranking ranking) {
        FeatureViewSpec spec = Defaults.copy(fv.getSpec());
        int days = Durations.days(spec.window, "spec.window");
        FeatureViewSpec.Source src = spec.source;
        PivotTask.Jdbc jdbc =
                src.jdbc == null
                        ? null
                        : new PivotTask.Jdbc(
                                src.jdbc.url,
                                src.jdbc.table,
                                src.jdbc.query,
                                JDBC_USER_ENV,
                                JDBC_PASSWORD_ENV);
        PivotTask.Filters filters = null;
        if (spec.filters != null) {
            List<PivotTask.EntityList> lists = new ArrayList<>();
            if (spec.filters.excludeEntities != null) {
                for (EntityList e : spec.filters.excludeEntities) {
                    lists.add(
                            new PivotTask.EntityList(
                                    e.uri, e.column, e.format == null ? null : e.format.name()));
                }
            }
            filters = new PivotTask.Filters(spec.filters.where, lists);
        }
        FeatureViewSpec.Validation v = spec.validation;
        return new PivotTask(
                new Task.Owner(
                        "FeatureView", fv.getMetadata().getNamespace(), fv.getMetadata().getName()),
                asOf.toString(),
                spec.entity,
                new PivotTask.Source(
                        src.uri, src.format.name(), src.successMarker, src.timeColumn, jdbc),
                new PivotTask.Window(asOf.minusDays(days).toString(), asOf.toString()),
                new PivotTask.Pivot(
                        spec.pivot.key,
                        spec.pivot.value,
                        spec.pivot.aggregate.name(),
                        spec.pivot.prefix,
                        spec.pivot.minEntities,
                        spec.pivot.maxFeatures),
                filters,
                store(fv, spec.store),
                v == null
                        ? null
                        : new PivotTask.Validation(
                                v.minEntities, v.minFeatures, v.maxSparsity, v.requiredFeatures),
                spec.wideExportMaxFeatures,
                online(spec, onlineColumns, ranking));
    }

    private static PivotTask.Online online(
            FeatureViewSpec spec, List<String> columns, PivotTask.Ranking ranking) {
        if (spec.online == null) {
            return null;
        }
        return new PivotTask.Online(
                spec.online.redis.url,
                Durations.parse(spec.online.ttl, "spec.online.ttl").toSeconds(),
                spec.online.redis.passwordSecret == null ? null : REDIS_PASSWORD_ENV,
                columns,
                columns == null ? 0 : spec.pivot.select.margin,
                columns == null ? null : ranking);
    }

    /**
     * JDBC credentials and the Redis password from their Secrets, as environment variables the task
     * names.
     */
    public static List<EnvVar> env(FeatureViewSpec spec) {
        List<EnvVar> env = new ArrayList<>();
        if (spec.source != null && spec.source.jdbc != null) {
            FeatureViewSpec.SecretRef ref = Defaults.copy(spec.source.jdbc.credentialsSecret);
            env.add(RuntimeJobs.secretEnv(JDBC_USER_ENV, ref.name, ref.userKey));
            env.add(RuntimeJobs.secretEnv(JDBC_PASSWORD_ENV, ref.name, ref.passwordKey));
        }
        if (spec.online != null) {
            env.addAll(redisEnv(spec.online.redis));
        }
        env.addAll(IcebergCatalogs.catalogEnv(spec));
        return env;
    }
}
