package io.mlcycle.pivot.spark;

import io.mlcycle.common.S3Settings;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.SparkSession;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code s3://} for Spark: what Spark itself reads and writes goes through Hadoop's S3A ({@code
 * s3a://}), configured from the same {@link S3Settings} (the {@code MLCYCLE_S3_*} and {@code AWS_*}
 * env) as the driver's own S3 client, so both reach the same endpoint with the same credentials.
 */
final class SparkS3 {

    static final String SIMPLE_CREDENTIALS =
            "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider";
    static final String DEFAULT_CHAIN = "com.amazonaws.auth.DefaultAWSCredentialsProviderChain";

    private static final String S3 = "s3://";
    private static final String S3A = "s3a://";

    private SparkS3() {}

    /** {@code s3://bucket/key} as Spark reads it ({@code s3a://bucket/key}); others unchanged. */
    static String s3a(String uri) {
        return Storage.isS3(uri) ? S3A + uri.substring(S3.length()) : uri;
    }

    /** An {@code s3a://} URI as users wrote it ({@code s3://}), for messages. */
    static String s3(String uri) {
        return uri.startsWith(S3A) ? S3 + uri.substring(S3A.length()) : uri;
    }

    /** Whether the task names any {@code s3://} URI (source, store, exclusion lists). */
    static boolean used(PivotTask task) {
        List<String> uris = new ArrayList<>();
        uris.add(task.source().uri());
        uris.add(task.store().uri());
        if (task.filters() != null && task.filters().excludeEntities() != null) {
            task.filters().excludeEntities().forEach(l -> uris.add(l.uri()));
        }
        return uris.stream().anyMatch(Storage::isS3);
    }

    /**
     * The {@code fs.s3a.*} settings of {@code s}: endpoint with TLS following its scheme,
     * path-style access, region, and the keys through the simple provider when given, else the AWS
     * SDK's default chain (web identity, instance profile).
     */
    static Map<String, String> hadoopSettings(S3Settings s) {
        Map<String, String> m = new LinkedHashMap<>();
        if (s.endpoint() != null) {
            m.put("fs.s3a.endpoint", s.endpoint().toString());
            m.put(
                    "fs.s3a.connection.ssl.enabled",
                    Boolean.toString("https".equalsIgnoreCase(s.endpoint().getScheme())));
        }
        m.put("fs.s3a.path.style.access", Boolean.toString(s.pathStyle()));
        // no bulk delete of parent directory markers after every file written: a request per file
        // saved on AWS, and seconds each on S3Proxy's file backend
        m.put("fs.s3a.directory.marker.retention", "keep");
        // as the driver's client: an endpoint without a region signs for us-east-1; on AWS without
        // either S3A finds the bucket's region itself
        String region = s.region() != null ? s.region() : s.endpoint() != null ? "us-east-1" : null;
        if (region != null) {
            m.put("fs.s3a.endpoint.region", region);
        }
        if (s.accessKeyId() != null && s.secretAccessKey() != null) {
            m.put("fs.s3a.aws.credentials.provider", SIMPLE_CREDENTIALS);
            m.put("fs.s3a.access.key", s.accessKeyId());
            m.put("fs.s3a.secret.key", s.secretAccessKey());
        } else {
            m.put("fs.s3a.aws.credentials.provider", DEFAULT_CHAIN);
        }
        return m;
    }

    /**
     * Applies {@link #hadoopSettings} to the session's Hadoop configuration, which Spark ships with
     * every read and write to the executors. When they change (a process running several tasks),
     * cached file systems built with the old ones are closed.
     */
    static void configure(SparkSession spark, S3Settings s) {
        Configuration conf = spark.sparkContext().hadoopConfiguration();
        Map<String, String> wanted = hadoopSettings(s);
        boolean changed = false;
        for (String k :
                List.of(
                        "fs.s3a.endpoint",
                        "fs.s3a.connection.ssl.enabled",
                        "fs.s3a.endpoint.region",
                        "fs.s3a.access.key",
                        "fs.s3a.secret.key")) {
            if (!wanted.containsKey(k) && conf.getRaw(k) != null) {
                conf.unset(k);
                changed = true;
            }
        }
        for (Map.Entry<String, String> e : wanted.entrySet()) {
            if (!e.getValue().equals(conf.getRaw(e.getKey()))) {
                conf.set(e.getKey(), e.getValue());
                changed = true;
            }
        }
        if (changed) {
            try {
                FileSystem.closeAll();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /**
     * The task failure for an S3A error in {@code text} (the exception chain's messages) about
     * {@code uri}, or null when it is none: the same reasons as the driver's S3 client, naming the
     * URI and where the credentials come from, never the keys.
     */
    static TaskFailure failure(String text, String uri, S3Settings s) {
        if (!text.contains(S3A) && !text.contains("com.amazonaws")) {
            return null;
        }
        if (text.contains("AccessDenied")
                || text.contains("InvalidAccessKeyId")
                || text.contains("SignatureDoesNotMatch")
                || text.contains("403 Forbidden")
                || text.contains("Status Code: 403")) {
            return TaskFailure.invalid(
                    "StorageAccessDenied",
                    uri
                            + ": access denied with "
                            + s.credentialsSource()
                            + " (check the keys and the bucket policy)");
        }
        if (text.contains("NoSuchBucket") || text.contains("UnknownStoreException")) {
            return TaskFailure.invalid(
                    "BucketNotFound",
                    "the bucket of "
                            + uri
                            + " does not exist"
                            + (s.endpoint() == null ? "" : " at " + s.endpoint()));
        }
        return new TaskFailure(
                Summary.Outcome.Failed,
                "StorageError",
                uri + ": " + s3(text.lines().findFirst().orElse("")));
    }
}
