package io.mlcycle.common;

import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/**
 * A real S3 server on 127.0.0.1 (S3Proxy, filesystem backend: bucket {@code b} and key {@code k}
 * are the file {@code <dir>/b/k}), for the ITs and local mode. Needs {@code org.gaul:s3proxy} on
 * the class path; the runtime images do not carry it.
 */
public final class LocalS3 implements AutoCloseable {

    private final S3Proxy proxy;
    private final BlobStoreContext context;
    private final Path dir;
    private final String accessKey;
    private final String secretKey;

    private LocalS3(
            S3Proxy proxy, BlobStoreContext context, Path dir, String accessKey, String secretKey) {
        this.proxy = proxy;
        this.context = context;
        this.dir = dir;
        this.accessKey = accessKey;
        this.secretKey = secretKey;
    }

    /** Starts a server on a free loopback port that accepts only these keys (AWS v2/v4 auth). */
    public static LocalS3 start(Path dir, String accessKey, String secretKey) throws Exception {
        Files.createDirectories(dir);
        Properties props = new Properties();
        props.setProperty("jclouds.filesystem.basedir", dir.toAbsolutePath().toString());
        BlobStoreContext context =
                ContextBuilder.newBuilder("filesystem")
                        .credentials("local", "local")
                        .overrides(props)
                        .build(BlobStoreContext.class);
        S3Proxy proxy =
                S3Proxy.builder()
                        .blobStore(context.getBlobStore())
                        .endpoint(URI.create("http://127.0.0.1:0"))
                        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, accessKey, secretKey)
                        .build();
        proxy.start();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!"STARTED".equals(proxy.getState())) {
            if (System.nanoTime() > deadline) {
                proxy.stop();
                context.close();
                throw new IllegalStateException("S3Proxy did not start: " + proxy.getState());
            }
            Thread.sleep(20);
        }
        return new LocalS3(proxy, context, dir, accessKey, secretKey);
    }

    /**
     * Runs a server until killed (benchmarks start it as a process): args {@code dir accessKey
     * secretKey [bucket…]}; prints {@code endpoint=<url>} once it listens.
     */
    public static void main(String[] args) throws Exception {
        LocalS3 s3 = start(Path.of(args[0]), args[1], args[2]);
        for (int i = 3; i < args.length; i++) {
            s3.createBucket(args[i]);
        }
        System.out.println("endpoint=" + s3.endpoint());
        System.out.flush();
        Thread.currentThread().join();
    }

    public URI endpoint() {
        return URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    public Path dir() {
        return dir;
    }

    /**
     * {@link #start} with {@code bucket} created and made this process's S3 ({@link Storage#useS3},
     * credentials secret {@code <bucket>-creds}); {@link #closeStorage} undoes it.
     */
    public static LocalS3 startStorage(Path dir, String accessKey, String secretKey, String bucket)
            throws Exception {
        LocalS3 s3 = start(dir, accessKey, secretKey);
        s3.createBucket(bucket);
        Storage.useS3(s3.settings(bucket + "-creds"));
        return s3;
    }

    /** Stops {@code s3} (null: none started) after taking it back as this process's S3. */
    public static void closeStorage(LocalS3 s3) throws Exception {
        Storage.useS3(null);
        if (s3 != null) {
            s3.close();
        }
    }

    /** Creates a bucket (idempotent). */
    public void createBucket(String name) {
        BlobStore store = context.getBlobStore();
        store.createContainerInLocation(null, name);
    }

    /** Settings a client needs to reach this server with its keys. */
    public S3Settings settings(String credentialsSecret) {
        return new S3Settings(
                endpoint(), "us-east-1", true, accessKey, secretKey, credentialsSecret);
    }

    @Override
    public void close() throws Exception {
        try {
            proxy.stop();
        } finally {
            context.close();
        }
    }
}
