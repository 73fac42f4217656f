package io.mlcycle.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * DJL set-up shared by trainer and server: offline (natives come from the pytorch-native-cpu and
 * pytorch-jni jars on the class path, extracted to the cache directory), and a writable cache even
 * when the home directory is not.
 */
public final class Djl {

    public static final String ENGINE = "PyTorch";

    /** PyTorch intra-op threads (default 1). */
    public static final String THREADS_ENV = io.mlcycle.task.PodEnv.TORCH_THREADS;

    private Djl() {}

    static {
        setIfAbsent("ai.djl.offline", "true");
        setIfAbsent("offline", "true");
        // Small sparse batches gain nothing from intra-op threads, and on a busy node spinning
        // OpenMP workers made steps ten times slower; one thread also keeps runs reproducible.
        String threads = System.getenv().getOrDefault(THREADS_ENV, "1");
        setIfAbsent("ai.djl.pytorch.num_threads", threads);
        setIfAbsent("ai.djl.pytorch.num_interop_threads", "1");
        if (System.getenv("DJL_CACHE_DIR") == null && System.getProperty("DJL_CACHE_DIR") == null) {
            Path home = Path.of(System.getProperty("user.home", "/"));
            if (!Files.isWritable(home)) {
                System.setProperty(
                        "DJL_CACHE_DIR",
                        Path.of(System.getProperty("java.io.tmpdir"), "djl").toString());
            }
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /** The PyTorch engine, loaded on first use. */
    public static Engine engine() {
        return Engine.getEngine(ENGINE);
    }

    /** A new root manager on the CPU; close it when done. */
    public static NDManager newManager() {
        return NDManager.newBaseManager(Device.cpu(), ENGINE);
    }
}
