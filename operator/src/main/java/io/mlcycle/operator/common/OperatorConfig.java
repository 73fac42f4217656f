package io.mlcycle.operator.common;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.util.Optional;

/** Operator settings; the Helm chart sets them through MLCYCLE_* environment variables. */
@ConfigMapping(prefix = "mlcycle")
public interface OperatorConfig {

    /** Runtime images. */
    Images images();

    /** How runtime pods run. */
    Runtime runtime();

    /** The shared data volume mounted into every runtime pod. */
    Data data();

    /** FeatureViews with engine spark. */
    Spark spark();

    /** Object storage every runtime pod may read and write (s3:// URIs). */
    Storage storage();

    /** Root URI of model artifacts: {@code <modelsUri>/<model>/v<N>/}. */
    @WithDefault("file:///data/models/")
    String modelsUri();

    /** Images of the three runtimes. */
    interface Images {
        String pivot();

        String trainer();

        String server();

        /** The Spark pivot (driver and executors of a FeatureView with engine spark). */
        @WithDefault("mlcycle/pivot-spark:0.1.0")
        String pivotSpark();

        /** The Spark trainer (driver and executors of a TrainingRun with engine spark). */
        @WithDefault("mlcycle/trainer-spark:0.1.0")
        String trainerSpark();

        /** The Spark scorer (driver and executors of batch scoring with engine spark). */
        @WithDefault("mlcycle/scorer-spark:0.1.0")
        String scorerSpark();
    }

    /**
     * Spark engine settings. Disabled, the operator never touches the SparkApplication API (the
     * Kubeflow Spark Operator need not be installed) and a FeatureView with engine spark is told
     * so.
     */
    interface Spark {
        @WithDefault("false")
        boolean enabled();

        /** ServiceAccount of Spark driver pods (allowed to create executor pods). */
        Optional<String> serviceAccount();
    }

    /** Runtime pod settings. */
    interface Runtime {
        /** ServiceAccount of runtime pods (no API permissions). */
        Optional<String> serviceAccount();

        /** JSON of the container securityContext for runtime pods. */
        Optional<String> securityContext();

        /**
         * Seconds a finished runtime Job (and its pod) is kept for debugging before Kubernetes' TTL
         * controller deletes it; its result is in the owner's status by then. Negative: kept until
         * the owner is deleted.
         */
        @WithDefault("86400")
        long jobTtlSeconds();

        /**
         * How often a running pivot or training pod's log is read for its progress report (a live
         * read while it runs; local mode reads every 2 s). ISO-8601 or Quarkus' short form (15s).
         */
        @WithDefault("PT15S")
        java.time.Duration progressPoll();

        /**
         * Size limit of each runtime pod's scratch {@code /tmp} (an emptyDir: natives, files staged
         * from s3://, spills), a Kubernetes quantity; the pod stages at most four fifths of it, so
         * a too-big input fails naming the limit instead of the kubelet evicting the pod.
         */
        @WithDefault("20Gi")
        String scratchSizeLimit();
    }

    /** Object storage settings. */
    interface Storage {
        S3 s3();
    }

    /**
     * How runtime pods reach s3:// URIs (any S3-compatible store). Unset fields fall back to the
     * AWS SDK's defaults (region and credentials chain: pod identity, instance profile).
     */
    interface S3 {
        /** Endpoint override for S3-compatible servers (MinIO, Ceph, GCS/Azure gateways). */
        Optional<String> endpoint();

        Optional<String> region();

        /** Path-style addressing (default: true when an endpoint is set). */
        Optional<Boolean> pathStyle();

        /**
         * Secret (in each resource's namespace) holding the access keys; its name, never its value,
         * appears in conditions.
         */
        Optional<String> credentialsSecret();

        @WithDefault("AWS_ACCESS_KEY_ID")
        String accessKeyIdKey();

        @WithDefault("AWS_SECRET_ACCESS_KEY")
        String secretAccessKeyKey();
    }

    /** Data volume. */
    interface Data {
        /** PersistentVolumeClaim mounted into runtime pods; none: no volume. */
        Optional<String> claim();

        @WithDefault("/data")
        String mountPath();
    }
}
