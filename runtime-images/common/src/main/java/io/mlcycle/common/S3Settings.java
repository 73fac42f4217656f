package io.mlcycle.common;

import io.mlcycle.task.PodEnv;

import java.io.Serializable;
import java.net.URI;
import java.util.function.Function;

/**
 * How a pod reaches S3: endpoint override and path-style for S3-compatible servers, region, and
 * where its credentials come from. The operator sets these env vars from the resource's {@code
 * storage.s3} section; the keys themselves arrive as {@code AWS_ACCESS_KEY_ID}/{@code
 * AWS_SECRET_ACCESS_KEY} from the referenced Secret, or not at all (the SDK's default chain: pod
 * identity, instance profile). Serializable, so that a client supplier built from them travels to
 * where a file system opens the client (Iceberg's {@code S3FileIO}).
 */
public record S3Settings(
        URI endpoint,
        String region,
        boolean pathStyle,
        String accessKeyId,
        String secretAccessKey,
        String credentialsSecret)
        implements Serializable {

    public static final String ENDPOINT_ENV = PodEnv.S3_ENDPOINT;
    public static final String REGION_ENV = PodEnv.S3_REGION;
    public static final String PATH_STYLE_ENV = PodEnv.S3_PATH_STYLE;
    public static final String SECRET_ENV = PodEnv.S3_CREDENTIALS_SECRET;
    public static final String ACCESS_KEY_ENV = "AWS_ACCESS_KEY_ID";
    public static final String SECRET_KEY_ENV = "AWS_SECRET_ACCESS_KEY";

    /** Reads the settings from {@code env}; a malformed endpoint fails naming the variable. */
    public static S3Settings fromEnv(Function<String, String> env) {
        String endpoint = blankToNull(env.apply(ENDPOINT_ENV));
        URI uri = null;
        if (endpoint != null) {
            try {
                uri = URI.create(endpoint);
            } catch (IllegalArgumentException e) {
                throw TaskFailure.invalid(
                        "InvalidS3Endpoint",
                        ENDPOINT_ENV + " '" + endpoint + "' is not a URL: " + e.getMessage());
            }
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw TaskFailure.invalid(
                        "InvalidS3Endpoint",
                        ENDPOINT_ENV + " '" + endpoint + "' is not an http(s) URL");
            }
        }
        String pathStyle = blankToNull(env.apply(PATH_STYLE_ENV));
        return new S3Settings(
                uri,
                blankToNull(env.apply(REGION_ENV)),
                pathStyle == null ? uri != null : Boolean.parseBoolean(pathStyle),
                blankToNull(env.apply(ACCESS_KEY_ENV)),
                blankToNull(env.apply(SECRET_KEY_ENV)),
                blankToNull(env.apply(SECRET_ENV)));
    }

    /** Where the credentials come from, for error messages: never the keys themselves. */
    public String credentialsSource() {
        if (credentialsSecret != null) {
            return "the credentials from Secret '" + credentialsSecret + "'";
        }
        return accessKeyId != null
                ? "the credentials in " + ACCESS_KEY_ENV
                : "the default credentials chain (no Secret given)";
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    @Override
    public String toString() {
        return "S3Settings[endpoint="
                + endpoint
                + ", region="
                + region
                + ", pathStyle="
                + pathStyle
                + ", credentials="
                + credentialsSource()
                + "]";
    }
}
