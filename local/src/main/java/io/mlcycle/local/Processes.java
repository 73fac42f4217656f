package io.mlcycle.local;

import io.mlcycle.common.LoopbackPorts;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Small helpers for the child processes of local mode. */
public final class Processes {

    private Processes() {}

    /** The java executable of this JVM. */
    public static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** A free TCP port on the loopback interface ({@link LoopbackPorts#free}). */
    public static int freePort() {
        return LoopbackPorts.free();
    }

    /** JVM flags every runtime child gets: DJL never downloads. */
    public static List<String> runtimeJvmFlags() {
        List<String> flags = new ArrayList<>();
        flags.add("-Doffline=true");
        flags.add("-Dai.djl.offline=true");
        flags.add("-DDJL_OFFLINE=true");
        return flags;
    }

    /** Stops a process and its descendants: TERM, then KILL after {@code graceMillis}. */
    public static void stop(Process p, long graceMillis) {
        if (p == null || !p.isAlive()) {
            return;
        }
        List<ProcessHandle> children = p.descendants().toList();
        p.destroy();
        try {
            if (!p.waitFor(graceMillis, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                p.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        children.forEach(ProcessHandle::destroyForcibly);
    }

    /** The last {@code maxChars} characters of a log file, or "" when it does not exist. */
    public static String tail(Path log, int maxChars) {
        try {
            if (!Files.exists(log)) {
                return "";
            }
            String s = Files.readString(log);
            return s.length() <= maxChars ? s : s.substring(s.length() - maxChars);
        } catch (IOException e) {
            return "";
        }
    }
}
