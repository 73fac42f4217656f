package io.mlcycle.bench.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs one runtime process as its pod would run (its task JSON in {@code MLCYCLE_TASK}, its summary
 * to a result file standing for the termination message), sampling the peak RSS of it and every
 * process it starts; with a limit, a process past it ends the whole tree as an OOM kill would.
 */
final class Launch {

    /** What one run did. {@code summary} is the result file's JSON, empty when none was written. */
    record Result(
            String name,
            int exit,
            double seconds,
            boolean oomKilled,
            String oomRole,
            boolean timedOut,
            List<RssSampler.Peak> peaks,
            String summary) {

        boolean succeeded() {
            return exit == 0 && !oomKilled && !timedOut;
        }

        long peakMb(String rolePrefix) {
            return peaks.stream()
                            .filter(p -> p.role().startsWith(rolePrefix))
                            .mapToLong(RssSampler.Peak::peakKb)
                            .max()
                            .orElse(0)
                    / 1024;
        }

        /**
         * Each process's peak whose role starts with {@code rolePrefix}, in MB by role name, joined
         * by "+" ("1229+1216+1204"); a role seen in several processes (an executor's forked child)
         * counts its largest; "0" when none.
         */
        String peaksMb(String rolePrefix) {
            java.util.TreeMap<String, Long> byRole = new java.util.TreeMap<>();
            for (RssSampler.Peak p : peaks) {
                if (p.role().startsWith(rolePrefix)) {
                    byRole.merge(p.role(), p.peakKb() / 1024, Math::max);
                }
            }
            return byRole.isEmpty()
                    ? "0"
                    : String.join("+", byRole.values().stream().map(String::valueOf).toList());
        }

        /** "driver 812 MB, executor-0 1030 MB, …" */
        String peaksText() {
            StringBuilder b = new StringBuilder();
            for (RssSampler.Peak p : peaks) {
                if (p.role().equals("child")) {
                    continue;
                }
                b.append(b.isEmpty() ? "" : ", ")
                        .append(p.role())
                        .append(' ')
                        .append(p.peakKb() / 1024)
                        .append(" MB");
            }
            return b.toString();
        }
    }

    /**
     * Pod memory limits on RSS, 0 for none: the root process's (the pod, a Spark driver's pod) and
     * each descendant's (an executor's pod).
     */
    record Limits(long rootMb, long othersMb) {

        static final Limits NONE = new Limits(0, 0);

        /** The same limit for every process of the tree. */
        static Limits all(long mb) {
            return new Limits(mb, mb);
        }

        long of(boolean root) {
            return root ? rootMb : othersMb;
        }
    }

    private Launch() {}

    static Result run(
            String name,
            List<String> cmd,
            String taskJson,
            Map<String, String> env,
            Path work,
            String rootRole,
            Limits limits,
            long timeoutSeconds)
            throws Exception {
        Path result = work.resolve(name + ".result.json");
        Files.deleteIfExists(result);
        List<String> full = new java.util.ArrayList<>(cmd);
        full.addAll(List.of("--result", result.toString()));
        ProcessBuilder pb =
                new ProcessBuilder(full)
                        .redirectErrorStream(true)
                        .redirectOutput(work.resolve(name + ".log").toFile());
        pb.environment().putAll(env);
        pb.environment().put(io.mlcycle.task.PodEnv.TASK, taskJson);
        RssSampler sampler =
                new RssSampler(
                        Path.of("/proc"),
                        rootRole,
                        limits.rootMb() * 1024,
                        limits.othersMb() * 1024);
        long t0 = System.nanoTime();
        long t0Millis = System.currentTimeMillis();
        Process p = pb.start();
        long deadline = t0 + TimeUnit.SECONDS.toNanos(timeoutSeconds);
        boolean timedOut = false;
        String oomRole = null;
        long oomLimitMb = 0;
        while (!p.waitFor(100, TimeUnit.MILLISECONDS)) {
            long over = sampler.sample(p.pid());
            if (over >= 0) {
                oomRole =
                        sampler.peaks().stream()
                                .filter(x -> x.pid() == over)
                                .map(RssSampler.Peak::role)
                                .findFirst()
                                .orElse("?");
                oomLimitMb = limits.of(over == p.pid());
                killTree(p);
                break;
            }
            if (System.nanoTime() > deadline) {
                timedOut = true;
                killTree(p);
                break;
            }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        int exit = p.waitFor(60, TimeUnit.SECONDS) ? p.exitValue() : -1;
        String summary = Files.exists(result) ? Files.readString(result) : "";
        // a JVM that threw OutOfMemoryError inside its heap reports it in the summary or log
        boolean heapOom =
                exit != 0
                        && (summary.contains("OutOfMemoryError")
                                || Files.readString(work.resolve(name + ".log"))
                                        .contains("java.lang.OutOfMemoryError"));
        boolean executorOom = exit != 0 && executorHeapOom(env.get("SPARK_HOME"), t0Millis);
        return new Result(
                name,
                exit,
                seconds,
                oomRole != null || heapOom || executorOom,
                oomRole != null
                        ? oomRole + " over " + oomLimitMb + " MB RSS"
                        : heapOom ? rootRole + " heap" : "executor heap",
                timedOut,
                sampler.peaks(),
                summary);
    }

    /**
     * Why a run did not complete, in words: out of memory (which process), timed out, or the first
     * exception line of its log (e.g. Spark refusing a heap below its minimum).
     */
    static String why(Result r, Path work) throws IOException {
        if (r.oomKilled()) {
            return "out of memory: " + r.oomRole();
        }
        if (r.timedOut()) {
            return "timed out";
        }
        Path log = work.resolve(r.name() + ".log");
        if (Files.exists(log)) {
            for (String line : Files.readAllLines(log)) {
                int at = line.indexOf("Exception: ");
                if (at >= 0) {
                    String msg = line.substring(Math.max(0, line.lastIndexOf(' ', at) + 1));
                    return msg.length() > 240 ? msg.substring(0, 240) + "…" : msg;
                }
            }
        }
        return "exit " + r.exit();
    }

    /**
     * Whether a Spark executor of this run threw OutOfMemoryError: the standalone launcher keeps
     * each executor's stderr under {@code $SPARK_HOME/work/<app>/<executor>/}.
     */
    static boolean executorHeapOom(String sparkHome, long sinceMillis) throws IOException {
        if (sparkHome == null || !Files.isDirectory(Path.of(sparkHome, "work"))) {
            return false;
        }
        try (var files = Files.walk(Path.of(sparkHome, "work"))) {
            for (Path f : files.toList()) {
                if (f.getFileName().toString().equals("stderr")
                        && Files.getLastModifiedTime(f).toMillis() >= sinceMillis
                        && Files.readString(f).contains("java.lang.OutOfMemoryError")) {
                    return true;
                }
            }
        }
        return false;
    }

    private static void killTree(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(30, TimeUnit.SECONDS);
    }
}
