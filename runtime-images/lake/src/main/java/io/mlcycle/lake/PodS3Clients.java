package io.mlcycle.lake;

import io.mlcycle.common.S3ObjectStore;
import io.mlcycle.common.S3Settings;
import io.mlcycle.common.Storage;
import org.apache.iceberg.aws.s3.S3FileIOAwsClientFactory;
import software.amazon.awssdk.services.s3.S3AsyncClient;
import software.amazon.awssdk.services.s3.S3Client;

import java.util.Map;

/**
 * The S3 client of Iceberg's {@code S3FileIO} ({@code s3.client-factory-impl}): the one every
 * {@code s3://} store of the pod uses ({@link S3ObjectStore#client}, settings from {@link
 * Storage#settings()}: endpoint, path-style, region, keys). Named by class so that Iceberg never
 * loads its own client factory, which needs the SDK's KMS, Glue, DynamoDB and STS modules.
 */
public final class PodS3Clients implements S3FileIOAwsClientFactory {

    private static final long serialVersionUID = 1L;

    private S3Settings settings;

    @Override
    public void initialize(Map<String, String> properties) {
        settings = Storage.settings();
    }

    @Override
    public S3Client s3() {
        return S3ObjectStore.client(settings == null ? Storage.settings() : settings);
    }

    @Override
    public S3AsyncClient s3Async() {
        throw new UnsupportedOperationException(
                "mlcycle's S3FileIO uses the synchronous client only");
    }
}
