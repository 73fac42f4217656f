package io.mlcycle.operator.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/**
 * Which object store a resource's pods use for its s3:// URIs and with which credentials (like
 * KServe's storage Secret annotations or MLflow's {@code MLFLOW_S3_ENDPOINT_URL}): each field left
 * unset falls back to the operator's {@code mlcycle.storage.s3.*} (Helm {@code storage.s3}), then
 * to the AWS SDK's defaults. {@code common/ObjectStorage} merges the two.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class StorageSpec {

    /** An http(s) URL: scheme, host, optional port and path. */
    public static final String ENDPOINT_PATTERN = "^https?://[^/?#\\s]+(/[^\\s]*)?$";

    @JsonPropertyDescription(
            "S3 or an S3-compatible store (MinIO, Ceph, GCS/Azure gateways) for this resource's"
                    + " s3:// URIs; unset fields are the operator's storage.s3 settings.")
    public S3 s3;

    /** Endpoint, region, addressing and credentials of an S3 store. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class S3 {
        @Pattern(ENDPOINT_PATTERN)
        @JsonPropertyDescription(
                "Endpoint URL of an S3-compatible server, e.g. http://minio.data:9000 (like"
                        + " MLflow's MLFLOW_S3_ENDPOINT_URL); default: the operator's, else AWS.")
        public String endpoint;

        @JsonPropertyDescription(
                "Region, e.g. eu-west-1; default: the operator's, else the SDK's chain (us-east-1"
                        + " with an endpoint).")
        public String region;

        @JsonPropertyDescription(
                "Path-style addressing (http://host/bucket/key), which most S3-compatible servers"
                        + " need; default: the operator's, else true when an endpoint is set.")
        public Boolean pathStyle;

        @JsonPropertyDescription(
                "Secret (this namespace) with the access keys; they reach the pods as secretKeyRef"
                        + " env vars and never appear in status, events or logs. Default: the"
                        + " operator's, else the SDK's chain (pod identity, instance profile).")
        public CredentialsSecret credentialsSecret;
    }

    /** A Secret with an access key id and a secret access key. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public static class CredentialsSecret {
        @Required
        @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
        @JsonPropertyDescription("Secret name, in the resource's namespace.")
        public String name;

        @JsonPropertyDescription(
                "Key of the access key id; default: the operator's"
                        + " (mlcycle.storage.s3.access-key-id-key, AWS_ACCESS_KEY_ID).")
        public String accessKeyIdKey;

        @JsonPropertyDescription(
                "Key of the secret access key; default: the operator's"
                        + " (mlcycle.storage.s3.secret-access-key-key, AWS_SECRET_ACCESS_KEY).")
        public String secretAccessKeyKey;
    }
}
