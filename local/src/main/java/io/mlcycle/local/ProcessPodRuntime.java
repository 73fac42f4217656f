package io.mlcycle.local;

import io.mlcycle.task.PodEnv;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Runs a pod's container as a local process of its runtime jar, with exactly the pod's environment
 * (plus {@code MLCYCLE_FILE_ROOT}), mount paths in its args pointed at the materialized volumes and
 * {@code --result} at the kubelet's termination-message file.
 */
public final class ProcessPodRuntime implements PodRuntime {

    /** How to start a runtime: its command line without the arguments of the pod. */
    @FunctionalInterface
    public interface RuntimeCommand {
        /**
         * @throws IllegalStateException naming what is missing when the runtime cannot run
         */
        List<String> commandFor(String runtime);
    }

    private final RuntimeCommand runtimes;
    private final Path dataRoot;

    public ProcessPodRuntime(RuntimeCommand runtimes, Path dataRoot) {
        this.runtimes = runtimes;
        this.dataRoot = dataRoot.toAbsolutePath();
    }

    /**
     * The command of a built runtime: {@code java -jar runtime-images/<r>/target/<r>.jar}; for the
     * Spark runtimes ({@code pivot-spark}, {@code trainer-spark}) with Spark's JDK 17 flags and,
     * for a pod without Spark's {@code driver}/{@code executor} args, a local master on two cores
     * ({@link SparkProcessCommand} turns it into the driver's or executor's command otherwise).
     */
    public static RuntimeCommand jars(Path projectRoot) {
        return runtime -> {
            if (!runtime.matches("[a-z]+(-[a-z]+)?")) {
                throw new IllegalStateException("unknown runtime '" + runtime + "'");
            }
            Path jar =
                    projectRoot.resolve(
                            "runtime-images/" + runtime + "/target/" + runtime + ".jar");
            if (!Files.isRegularFile(jar)) {
                throw new IllegalStateException(
                        "runtime jar " + jar + " is missing (run: mvn -q -B install -DskipTests)");
            }
            List<String> cmd = new ArrayList<>();
            cmd.add(Processes.java());
            cmd.addAll(Processes.runtimeJvmFlags());
            // pivot-spark, trainer-spark: Spark on JDK 17 needs its --add-opens
            if (runtime.endsWith("-spark")) {
                cmd.addAll(LocalSparkOperator.JVM_FLAGS);
            }
            cmd.add("-jar");
            cmd.add(jar.toString());
            return cmd;
        };
    }

    @Override
    public Process start(Launch launch) {
        List<String> cmd = new ArrayList<>(runtimes.commandFor(launch.runtime()));
        List<String> args = new ArrayList<>();
        for (String arg : launch.args()) {
            args.add(rewriteMountPath(arg, launch.mounts()));
        }
        Map<String, String> env = launch.env();
        if (SparkProcessCommand.applies(args)) {
            env = SparkProcessCommand.podEnv(env, launch.podDir());
            cmd = SparkProcessCommand.command(cmd, args, env, launch.resultFile());
        } else {
            cmd.addAll(args);
            if (launch.resultFile() != null) {
                cmd.add("--result");
                cmd.add(launch.resultFile().toString());
            }
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(launch.logFile().toFile()));
        pb.directory(launch.podDir().toFile());
        Map<String, String> penv = pb.environment();
        Map<String, String> keep = new LinkedHashMap<>();
        for (String k : List.of("PATH", "HOME", "LANG", "TMPDIR", "JAVA_HOME")) {
            if (penv.get(k) != null) {
                keep.put(k, penv.get(k));
            }
        }
        penv.clear();
        penv.putAll(keep);
        penv.put("HOSTNAME", launch.pod());
        penv.putAll(env);
        penv.put(PodEnv.FILE_ROOT, dataRoot.toString());
        try {
            return pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + cmd.get(0) + ": " + e.getMessage());
        }
    }

    /** An arg under a volume's mount path, pointed at the volume's files in the pod directory. */
    static String rewriteMountPath(String arg, Map<String, String> mounts) {
        for (var m : mounts.entrySet()) {
            if (arg.equals(m.getKey()) || arg.startsWith(m.getKey() + "/")) {
                return m.getValue() + arg.substring(m.getKey().length());
            }
        }
        return arg;
    }
}
