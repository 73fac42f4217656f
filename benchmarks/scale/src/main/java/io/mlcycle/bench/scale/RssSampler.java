package io.mlcycle.bench.scale;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Peak resident memory of a process and every descendant, each separately, read from a {@code
 * /proc} tree: {@code VmHWM} (the kernel's own high-water mark, so a peak between two samples is
 * not missed) of each process while it lives. With limits it plays pods' memory limits, one for the
 * root (the pod, or a Spark driver's pod) and one for each descendant (an executor's pod): a
 * process whose {@code VmRSS} passes its limit is reported, as the kernel's OOM killer would end a
 * container that passes its cgroup limit (sampled, so a short overshoot between two samples can
 * slip through).
 */
final class RssSampler {

    /** One process seen in the tree: its role (from its command line) and its peak. */
    record Peak(long pid, String role, long peakKb) {}

    private final Path proc;
    private final String rootRole;
    private final long rootLimitKb;
    private final long otherLimitKb;
    private final Map<Long, Peak> peaks = new LinkedHashMap<>();
    private long overLimitPid = -1;

    /**
     * @param proc the proc file system ({@code /proc}; a directory of the same shape in tests)
     * @param rootRole what the root process is ("pod", "driver")
     * @param rootLimitKb the root process's RSS limit, 0 for none
     * @param otherLimitKb each descendant's RSS limit, 0 for none
     */
    RssSampler(Path proc, String rootRole, long rootLimitKb, long otherLimitKb) {
        this.proc = proc;
        this.rootRole = rootRole;
        this.rootLimitKb = rootLimitKb;
        this.otherLimitKb = otherLimitKb;
    }

    /**
     * One sample of {@code root}'s tree.
     *
     * @return the pid of a process over the limit, or -1
     */
    long sample(long root) {
        Map<Long, List<Long>> children = children();
        List<Long> todo = new ArrayList<>(List.of(root));
        while (!todo.isEmpty()) {
            long pid = todo.remove(todo.size() - 1);
            todo.addAll(children.getOrDefault(pid, List.of()));
            Map<String, Long> status = status(pid);
            Long hwm = status.get("VmHWM");
            if (hwm == null) {
                continue; // ended, or a kernel thread
            }
            Peak old = peaks.get(pid);
            // a process launched through a spawn helper shows the executor's command line only
            // once it has exec'd: "child" is asked again until it names something else
            String role =
                    old != null && !old.role().equals("child")
                            ? old.role()
                            : role(pid, pid == root);
            peaks.put(pid, new Peak(pid, role, Math.max(hwm, old == null ? 0 : old.peakKb())));
            long limitKb = pid == root ? rootLimitKb : otherLimitKb;
            if (limitKb > 0 && overLimitPid < 0 && status.getOrDefault("VmRSS", 0L) > limitKb) {
                overLimitPid = pid;
            }
        }
        return overLimitPid;
    }

    /** Every process seen, in the order first seen (the root first). */
    List<Peak> peaks() {
        return List.copyOf(peaks.values());
    }

    /** The largest peak among the processes whose role starts with {@code prefix}, in MB. */
    long peakMb(String prefix) {
        return peaks.values().stream()
                        .filter(p -> p.role().startsWith(prefix))
                        .mapToLong(Peak::peakKb)
                        .max()
                        .orElse(0)
                / 1024;
    }

    long overLimitPid() {
        return overLimitPid;
    }

    /** The role of a process: a Spark executor (with its id), the root's given role, or "child". */
    String role(long pid, boolean root) {
        String cmd = cmdline(pid);
        if (cmd.contains("ExecutorBackend")) {
            String[] args = cmd.split(" ");
            for (int i = 0; i + 1 < args.length; i++) {
                if (args[i].equals("--executor-id")) {
                    return "executor-" + args[i + 1];
                }
            }
            return "executor";
        }
        return root ? rootRole : "child";
    }

    private String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(proc.resolve(pid + "/cmdline")))
                    .replace('\0', ' ');
        } catch (IOException e) {
            return "";
        }
    }

    /** The kB fields of /proc/pid/status (VmHWM, VmRSS…); empty when the process is gone. */
    Map<String, Long> status(long pid) {
        Map<String, Long> out = new HashMap<>();
        try {
            for (String line : Files.readAllLines(proc.resolve(pid + "/status"))) {
                int colon = line.indexOf(':');
                if (colon > 0 && line.endsWith(" kB")) {
                    String v = line.substring(colon + 1, line.length() - 3).trim();
                    out.put(line.substring(0, colon), Long.parseLong(v));
                }
            }
        } catch (IOException | RuntimeException e) {
            return Map.of();
        }
        return out;
    }

    /** Parent to children, from each process's stat (the field after the state is the ppid). */
    Map<Long, List<Long>> children() {
        Map<Long, List<Long>> out = new HashMap<>();
        try (var dirs = Files.list(proc)) {
            for (Path d : dirs.toList()) {
                String name = d.getFileName().toString();
                if (!name.chars().allMatch(Character::isDigit)) {
                    continue;
                }
                try {
                    String stat = Files.readString(d.resolve("stat"));
                    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                    long ppid = Long.parseLong(f[1]);
                    out.computeIfAbsent(ppid, k -> new ArrayList<>()).add(Long.parseLong(name));
                } catch (IOException | RuntimeException e) {
                    // the process ended while listed
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out;
    }
}
