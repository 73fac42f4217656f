package io.mlcycle.local;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Local mode's default pod runtime: each container is a local process of its runtime's command
 * ({@link Kubelet#jars}), with exactly the pod's environment, volumes read from the pod directory.
 */
public final class ProcessRuntime implements PodRuntime {

    private final Kubelet.RuntimeCommand commands;

    public ProcessRuntime(Kubelet.RuntimeCommand commands) {
        this.commands = commands;
    }

    @Override
    public Process start(Launch l) {
        List<String> cmd = new ArrayList<>(commands.commandFor(l.runtime()));
        for (String arg : l.args()) {
            cmd.add(Kubelet.rewriteMountPath(arg, l.mounts()));
        }
        if (l.resultFile() != null) {
            cmd.add("--result");
            cmd.add(l.resultFile().toString());
        }
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.redirectOutput(ProcessBuilder.Redirect.appendTo(l.logFile().toFile()));
        pb.directory(l.podDir().toFile());
        Map<String, String> penv = pb.environment();
        Map<String, String> keep = new LinkedHashMap<>();
        for (String k : List.of("PATH", "HOME", "LANG", "TMPDIR", "JAVA_HOME")) {
            if (penv.get(k) != null) {
                keep.put(k, penv.get(k));
            }
        }
        penv.clear();
        penv.putAll(keep);
        penv.put("HOSTNAME", l.pod());
        penv.putAll(l.env());
        try {
            return pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + cmd.get(0) + ": " + e.getMessage());
        }
    }
}
