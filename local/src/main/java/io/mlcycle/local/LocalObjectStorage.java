package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.Container;
import io.mlcycle.common.LocalS3;
import io.mlcycle.common.S3Settings;
import io.mlcycle.task.TaskJson;

import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The object store of local mode: one real S3 server (S3Proxy, in this JVM, on a free loopback
 * port) stands in for the S3 endpoint of every pod whose task names an {@code s3://} URI. Its
 * filesystem backend is the data root: bucket {@code b} is the folder {@code <data root>/b}, so a
 * data step writes a bucket's objects as plain files. It starts with the access keys of the first
 * such pod (from the operator's credentials Secret, as in a cluster), or fixed local keys when the
 * pod has none; a pod with other keys is refused by the server (StorageAccessDenied).
 */
public final class LocalObjectStorage implements AutoCloseable {

    static final String LOCAL_KEY = "mlcycle-local";

    private final Path dataRoot;
    private final Consumer<String> log;
    private LocalS3 server;
    private boolean closed;

    public LocalObjectStorage(Path dataRoot, Consumer<String> log) {
        this.dataRoot = dataRoot;
        this.log = log;
    }

    /** The running server, or null before the first pod needed it. */
    public synchronized LocalS3 server() {
        return server;
    }

    /** Points a pod that reads or writes s3:// at the local server, starting it first. */
    public void rewrite(String owner, Container container, Map<String, String> env) {
        String task = env.get(TaskJson.TASK_ENV);
        if (task == null || !task.contains("s3://")) {
            return;
        }
        String access = env.getOrDefault(S3Settings.ACCESS_KEY_ENV, LOCAL_KEY);
        String secret = env.getOrDefault(S3Settings.SECRET_KEY_ENV, LOCAL_KEY);
        LocalS3 s3 = serverFor(access, secret, owner);
        env.put(S3Settings.ENDPOINT_ENV, s3.endpoint().toString());
        env.put(S3Settings.PATH_STYLE_ENV, "true");
        env.put(S3Settings.REGION_ENV, "us-east-1");
        env.putIfAbsent(S3Settings.ACCESS_KEY_ENV, access);
        env.putIfAbsent(S3Settings.SECRET_KEY_ENV, secret);
    }

    private synchronized LocalS3 serverFor(String access, String secret, String owner) {
        if (closed) {
            throw new IllegalStateException("local mode is stopping");
        }
        if (server == null) {
            try {
                server = LocalS3.start(dataRoot, access, secret);
            } catch (Exception e) {
                throw new IllegalStateException(
                        owner + ": cannot start the local S3 server: " + e.getMessage());
            }
            log.accept(
                    "S3 "
                            + server.endpoint()
                            + " (S3Proxy) stands in for s3://; bucket b is "
                            + dataRoot
                            + "/b (keys of "
                            + owner
                            + ")");
        }
        return server;
    }

    @Override
    public synchronized void close() throws Exception {
        closed = true;
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
