package io.mlcycle.local;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The command line of a Spark pod's container run as a local process: what the Spark images' {@code
 * entrypoint.sh} derives from the pod's args and env (Apache's, and the pivot-spark image's), with
 * plain {@code java} and the runtime's built jar. {@code driver ARGS} runs spark-submit in client
 * mode inside the "pod" (bind address from {@code SPARK_DRIVER_BIND_ADDRESS}, which the pod gets
 * from {@code status.podIP}); {@code executor} runs {@code KubernetesExecutorBackend} from the
 * {@code SPARK_*} env the driver gave the executor pod. The runtime jar's directory stands in for
 * the image's {@code /opt/mlcycle} (the same layout: the jar and {@code lib/}).
 */
final class SparkProcessCommand {

    /** Where the Spark images keep the runtime jar and its libraries. */
    static final String IMAGE_HOME = "/opt/mlcycle";

    static final String SUBMIT = "org.apache.spark.deploy.SparkSubmit";
    static final String EXECUTOR_BACKEND =
            "org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend";

    private SparkProcessCommand() {}

    /**
     * The pod's env as a Spark process on this host needs it: the pod's IP is the loopback
     * interface ({@code SPARK_LOCAL_IP}, what Spark binds and advertises), the scratch dirs Spark
     * gives its pods ({@code SPARK_LOCAL_DIRS}, emptyDirs under /var/data) in the pod's directory,
     * and a {@code HOME} without the user's kubeconfig (the Kubernetes client reads one if found).
     */
    static Map<String, String> podEnv(Map<String, String> env, Path podDir) {
        Map<String, String> out = new java.util.LinkedHashMap<>(env);
        out.put("SPARK_LOCAL_IP", "127.0.0.1");
        Path local = podDir.resolve("local-dirs");
        try {
            java.nio.file.Files.createDirectories(local);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        out.put("SPARK_LOCAL_DIRS", local.toString());
        out.put("HOME", podDir.toString());
        return out;
    }

    /** Whether the container runs Spark's {@code driver} or {@code executor} command. */
    static boolean applies(List<String> args) {
        return !args.isEmpty() && (args.get(0).equals("driver") || args.get(0).equals("executor"));
    }

    /**
     * @param base the runtime's plain command: {@code java [flags] -jar <runtime>.jar}
     * @param args the container's args (mount paths already pointed at the pod's volumes)
     * @param env the container's resolved environment
     * @param resultFile the termination message file (the driver's application writes it)
     */
    static List<String> command(
            List<String> base, List<String> args, Map<String, String> env, Path resultFile) {
        int jarAt = base.indexOf("-jar");
        if (jarAt < 1 || jarAt + 1 >= base.size()) {
            // not a runtime jar: a command that answers driver/executor itself, as an image does
            List<String> cmd = new ArrayList<>(base);
            cmd.addAll(args);
            if (resultFile != null && args.get(0).equals("driver")) {
                cmd.addAll(List.of("--result", resultFile.toString()));
            }
            return cmd;
        }
        Path jar = Path.of(base.get(jarAt + 1)).toAbsolutePath();
        String home = jar.getParent().toString();
        List<String> cmd = new ArrayList<>();
        cmd.add(base.get(0));
        for (String flag : base.subList(1, jarAt)) {
            // the local-master settings of a plain start; the pod's properties say the master
            if (!flag.startsWith("-Dspark.")) {
                cmd.add(flag);
            }
        }
        String classPath = jar.toString();
        String extra = env.get("SPARK_CLASSPATH");
        if (extra != null && !extra.isBlank()) {
            classPath += ":" + extra.replace(IMAGE_HOME, home);
        }
        if (args.get(0).equals("driver")) {
            cmd.addAll(List.of("-cp", classPath, SUBMIT));
            String bind = env.get("SPARK_DRIVER_BIND_ADDRESS");
            if (bind != null && !bind.isBlank()) {
                cmd.addAll(List.of("--conf", "spark.driver.bindAddress=" + bind));
                cmd.addAll(List.of("--conf", "spark.executorEnv.SPARK_DRIVER_POD_IP=" + bind));
            }
            cmd.addAll(List.of("--deploy-mode", "client"));
            for (String a : args.subList(1, args.size())) {
                cmd.add(a.replace(IMAGE_HOME + "/", home + "/"));
            }
            if (resultFile != null) {
                cmd.addAll(List.of("--result", resultFile.toString()));
            }
            return cmd;
        }
        // SPARK_JAVA_OPT_0, _1, ... in their numeric order, as entrypoint.sh sorts them
        Map<Integer, String> javaOpts = new TreeMap<>();
        env.forEach(
                (k, v) -> {
                    if (k.matches("SPARK_JAVA_OPT_[0-9]+")) {
                        javaOpts.put(Integer.parseInt(k.substring("SPARK_JAVA_OPT_".length())), v);
                    }
                });
        cmd.addAll(javaOpts.values());
        String memory = require(env, "SPARK_EXECUTOR_MEMORY");
        cmd.addAll(List.of("-Xms" + memory, "-Xmx" + memory, "-cp", classPath, EXECUTOR_BACKEND));
        cmd.addAll(List.of("--driver-url", require(env, "SPARK_DRIVER_URL")));
        cmd.addAll(List.of("--executor-id", require(env, "SPARK_EXECUTOR_ID")));
        cmd.addAll(List.of("--cores", require(env, "SPARK_EXECUTOR_CORES")));
        cmd.addAll(List.of("--app-id", require(env, "SPARK_APPLICATION_ID")));
        cmd.addAll(List.of("--hostname", require(env, "SPARK_EXECUTOR_POD_IP")));
        cmd.addAll(
                List.of("--resourceProfileId", env.getOrDefault("SPARK_RESOURCE_PROFILE_ID", "0")));
        cmd.addAll(List.of("--podName", require(env, "SPARK_EXECUTOR_POD_NAME")));
        return cmd;
    }

    private static String require(Map<String, String> env, String name) {
        String v = env.get(name);
        if (v == null || v.isBlank()) {
            throw new IllegalStateException(
                    "a Spark executor pod needs the env " + name + " (the driver sets it)");
        }
        return v;
    }
}
