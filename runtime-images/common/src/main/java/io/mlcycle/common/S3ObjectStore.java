package io.mlcycle.common;

import io.mlcycle.task.Summary;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;

/**
 * One S3 bucket through the AWS SDK v2 (sync client, URL-connection HTTP). Every S3 error becomes a
 * {@link TaskFailure} naming the URI and where the credentials came from, never their value.
 */
public final class S3ObjectStore implements ObjectStore, AutoCloseable {

    private final S3Client client;
    private final String bucket;
    private final S3Settings settings;

    public S3ObjectStore(S3Client client, String bucket, S3Settings settings) {
        this.client = client;
        this.bucket = bucket;
        this.settings = settings;
    }

    /** A client for {@code settings}: endpoint override, path-style, region, credentials. */
    public static S3Client client(S3Settings settings) {
        var b =
                S3Client.builder()
                        .httpClient(UrlConnectionHttpClient.create())
                        .forcePathStyle(settings.pathStyle())
                        // S3-compatible servers reject the SDK's default aws-chunked CRC trailers
                        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                        .region(
                                Region.of(
                                        settings.region() == null
                                                ? "us-east-1"
                                                : settings.region()))
                        .credentialsProvider(credentials(settings));
        if (settings.endpoint() != null) {
            b.endpointOverride(settings.endpoint());
        }
        return b.build();
    }

    static AwsCredentialsProvider credentials(S3Settings s) {
        if (s.credentialsSecret() != null
                && (s.accessKeyId() == null || s.secretAccessKey() == null)) {
            // the operator's secretKeyRefs are optional so that pods without s3:// still start
            throw TaskFailure.invalid(
                    "StorageCredentialsMissing",
                    "s3:// storage needs Secret '"
                            + s.credentialsSecret()
                            + "' in this namespace with the access key id and secret access key"
                            + " (mlcycle.storage.s3.credentials-secret); it is missing or lacks"
                            + " a key");
        }
        if (s.accessKeyId() != null && s.secretAccessKey() != null) {
            return StaticCredentialsProvider.create(
                    AwsBasicCredentials.create(s.accessKeyId(), s.secretAccessKey()));
        }
        return DefaultCredentialsProvider.builder().build();
    }

    public String bucket() {
        return bucket;
    }

    @Override
    public String uri(String key) {
        return "s3://" + bucket + "/" + key;
    }

    @Override
    public boolean exists(String key) throws IOException {
        ListObjectsV2Response r =
                call(
                        key,
                        () ->
                                client.listObjectsV2(
                                        ListObjectsV2Request.builder()
                                                .bucket(bucket)
                                                .prefix(key)
                                                .maxKeys(1)
                                                .build()));
        return r.contents().stream().anyMatch(o -> o.key().equals(key));
    }

    @Override
    public List<Entry> list(String prefix) throws IOException {
        List<Entry> out = new ArrayList<>();
        String token = null;
        do {
            var req = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix);
            if (token != null) {
                req.continuationToken(token);
            }
            ListObjectsV2Response r = call(prefix, () -> client.listObjectsV2(req.build()));
            for (S3Object o : r.contents()) {
                out.add(new Entry(o.key(), o.size() == null ? 0 : o.size()));
            }
            token = Boolean.TRUE.equals(r.isTruncated()) ? r.nextContinuationToken() : null;
        } while (token != null);
        return out;
    }

    @Override
    public void get(String key, Path to) throws IOException {
        Files.createDirectories(to.toAbsolutePath().getParent());
        Path part = to.resolveSibling(to.getFileName() + ".part");
        Files.deleteIfExists(part);
        call(
                key,
                () ->
                        client.getObject(
                                b -> b.bucket(bucket).key(key), ResponseTransformer.toFile(part)));
        Files.move(part, to, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void put(Path from, String key) throws IOException {
        call(
                key,
                () -> client.putObject(b -> b.bucket(bucket).key(key), RequestBody.fromFile(from)));
    }

    @Override
    public void putBytes(String key, byte[] bytes) throws IOException {
        call(
                key,
                () ->
                        client.putObject(
                                b -> b.bucket(bucket).key(key), RequestBody.fromBytes(bytes)));
    }

    @Override
    public Optional<byte[]> read(String key) throws IOException {
        return call(
                key,
                () -> {
                    try {
                        return Optional.of(
                                client.getObjectAsBytes(b -> b.bucket(bucket).key(key))
                                        .asByteArray());
                    } catch (NoSuchKeyException e) {
                        return Optional.empty();
                    }
                });
    }

    /**
     * A PUT with {@code If-None-Match: *}: S3 answers 412 when the key exists, and 409 while
     * another conditional write of the key is in flight (retried: it then answers 412 or succeeds).
     * A store that ignores the header overwrites, see {@link ObjectDirs#publishOnce}.
     */
    @Override
    public boolean putBytesIfAbsent(String key, byte[] bytes) throws IOException {
        for (int attempt = 1; ; attempt++) {
            boolean retryConflict = attempt < 5;
            int status =
                    call(
                            key,
                            () -> {
                                try {
                                    client.putObject(
                                            b -> b.bucket(bucket).key(key).ifNoneMatch("*"),
                                            RequestBody.fromBytes(bytes));
                                    return 200;
                                } catch (S3Exception e) {
                                    if (e.statusCode() == 412
                                            || (e.statusCode() == 409 && retryConflict)) {
                                        return e.statusCode();
                                    }
                                    throw e;
                                }
                            });
            if (status != 409) {
                return status == 200;
            }
            try {
                Thread.sleep(50L * attempt);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted writing " + uri(key), e);
            }
        }
    }

    /**
     * One DeleteObject per key: the batch DeleteObjects call needs a checksum header that
     * S3-compatible servers (S3Proxy, older MinIO) refuse, and versions hold few files.
     */
    @Override
    public void delete(List<String> keys) throws IOException {
        for (String key : keys) {
            call(key, () -> client.deleteObject(b -> b.bucket(bucket).key(key)));
        }
    }

    @Override
    public void close() {
        client.close();
    }

    private <T> T call(String key, Callable<T> c) throws IOException {
        try {
            return c.call();
        } catch (S3Exception e) {
            String code = e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode();
            throw failure(key, code, e.getMessage(), e.statusCode());
        } catch (SdkClientException e) {
            throw new TaskFailure(
                    Summary.Outcome.Failed,
                    "StorageUnreachable",
                    "cannot reach S3 for "
                            + uri(key)
                            + (settings.endpoint() == null ? "" : " at " + settings.endpoint())
                            + ": "
                            + e.getMessage());
        } catch (SdkException e) {
            throw new IOException(uri(key) + ": " + e.getMessage(), e);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(uri(key) + ": " + e.getMessage(), e);
        }
    }

    private TaskFailure failure(String key, String code, String message, int status) {
        String where = uri(key);
        String c = code == null ? "" : code;
        if (c.equals("NoSuchBucket")) {
            return TaskFailure.invalid(
                    "BucketNotFound",
                    "bucket '"
                            + bucket
                            + "' of "
                            + where
                            + " does not exist"
                            + (settings.endpoint() == null ? "" : " at " + settings.endpoint()));
        }
        if (status == 403
                || c.equals("AccessDenied")
                || c.equals("InvalidAccessKeyId")
                || c.equals("SignatureDoesNotMatch")) {
            return TaskFailure.invalid(
                    "StorageAccessDenied",
                    where
                            + ": "
                            + (c.isEmpty() ? "access denied" : c)
                            + " with "
                            + settings.credentialsSource()
                            + " (check the keys and the bucket policy)");
        }
        return new TaskFailure(
                Summary.Outcome.Failed,
                "StorageError",
                where + ": " + (c.isEmpty() ? "HTTP " + status : c) + ": " + message);
    }
}
