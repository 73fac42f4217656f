package io.mlcycle.common;

import io.mlcycle.task.PodEnv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Resolves {@code s3://bucket/key} URIs to {@link S3ObjectStore}s (one client per process, settings
 * from the env, see {@link S3Settings}) and stages what a pod reads to its local disk: DuckDB, the
 * model loader and the trainer read local files. Staging is bounded by {@value
 * #STAGE_MAX_BYTES_ENV} (all downloads of the process together).
 */
public final class Storage {

    public static final String STAGE_DIR_ENV = PodEnv.STAGE_DIR;
    public static final String STAGE_MAX_BYTES_ENV = PodEnv.STAGE_MAX_BYTES;
    static final long DEFAULT_STAGE_MAX_BYTES = 20L << 30;

    private static volatile S3Settings settings;
    private static Path stageRoot;
    private static final Map<String, S3ObjectStore> STORES = new ConcurrentHashMap<>();
    private static final Map<String, Path> STAGED = new ConcurrentHashMap<>();
    private static final AtomicLong STAGED_BYTES = new AtomicLong();

    private Storage() {}

    /** Replaces the settings read from the env (tests, and processes that serve several pods). */
    public static synchronized void useS3(S3Settings s) {
        settings = s;
        STORES.values().forEach(S3ObjectStore::close);
        STORES.clear();
        STAGED.clear();
    }

    /** The settings of this process: {@link #useS3}'s, else read from the env once. */
    public static S3Settings settings() {
        S3Settings s = settings;
        if (s == null) {
            synchronized (Storage.class) {
                if (settings == null) {
                    settings = S3Settings.fromEnv(System::getenv);
                }
                s = settings;
            }
        }
        return s;
    }

    public static boolean isS3(String uri) {
        return uri != null && uri.startsWith("s3://");
    }

    /** The bucket and key of an {@code s3://} URI, naming {@code field} when it is malformed. */
    public static ObjectDirs.Location locate(String uri, String field) {
        URI parsed = Uris.parse(uri, field);
        String bucket = parsed.getHost();
        if (bucket == null || bucket.isBlank()) {
            throw TaskFailure.invalid(
                    "InvalidUri", field + " '" + uri + "' names no bucket (s3://bucket/key)");
        }
        String key = parsed.getPath() == null ? "" : parsed.getPath();
        if (key.startsWith("/")) {
            key = key.substring(1);
        }
        S3ObjectStore store =
                STORES.computeIfAbsent(
                        bucket,
                        b -> new S3ObjectStore(S3ObjectStore.client(settings()), b, settings()));
        return new ObjectDirs.Location(store, key);
    }

    /** Where this process keeps its local copy of {@code uri} (nothing is downloaded). */
    public static Path localMirror(String uri) {
        return stageRoot().resolve(uri.substring("s3://".length()).replaceAll("/+$", ""));
    }

    /**
     * {@value #STAGE_DIR_ENV}, or a fresh temporary directory of this process (removed at exit), so
     * two processes on one machine never share staged files.
     */
    private static synchronized Path stageRoot() {
        if (stageRoot == null) {
            String dir = System.getenv(STAGE_DIR_ENV);
            try {
                stageRoot =
                        dir == null || dir.isBlank()
                                ? Files.createTempDirectory("mlcycle-stage-")
                                : Files.createDirectories(Path.of(dir));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the staging directory", e);
            }
            if (dir == null || dir.isBlank()) {
                Path root = stageRoot;
                Runtime.getRuntime()
                        .addShutdownHook(
                                new Thread(
                                        () -> {
                                            try {
                                                VersionedStore.deleteRecursively(root);
                                            } catch (IOException ignored) {
                                                // the OS cleans temporary directories
                                            }
                                        }));
            }
        }
        return stageRoot;
    }

    /**
     * Downloads {@code uri} (an object or a prefix) once per process and returns the local copy;
     * the returned path does not exist when nothing is stored there.
     */
    public static Path stage(String uri, String field) {
        Path done = STAGED.get(uri);
        if (done != null) {
            return done;
        }
        ObjectDirs.Location from = locate(uri, field);
        Path to = localMirror(uri);
        try {
            VersionedStore.deleteRecursively(to);
            STAGED_BYTES.addAndGet(
                    ObjectDirs.stage(from, to, maxBytes() - STAGED_BYTES.get(), field));
        } catch (IOException e) {
            throw new TaskFailure(
                    io.mlcycle.task.Summary.Outcome.Failed,
                    "StagingFailed",
                    "cannot stage " + field + " " + uri + ": " + e.getMessage());
        }
        STAGED.put(uri, to);
        return to;
    }

    /** Whether an object of exactly this URI exists. */
    public static boolean exists(String uri, String field) {
        ObjectDirs.Location loc = locate(uri, field);
        try {
            return loc.store().exists(loc.key());
        } catch (IOException e) {
            throw new TaskFailure(
                    io.mlcycle.task.Summary.Outcome.Failed,
                    "StorageError",
                    field + " " + uri + ": " + e.getMessage());
        }
    }

    private static long maxBytes() {
        String v = System.getenv(STAGE_MAX_BYTES_ENV);
        if (v == null || v.isBlank()) {
            return DEFAULT_STAGE_MAX_BYTES;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw TaskFailure.invalid(
                    "InvalidStageLimit", STAGE_MAX_BYTES_ENV + " '" + v + "' is not a byte count");
        }
    }
}
