package io.mlcycle.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * Directories over an {@link ObjectStore}: a key prefix ending in '/' holds a directory's files.
 * Downloads (staging) are bounded; publishing uploads to a hidden staging prefix first and writes
 * the {@code _SUCCESS} marker last, so a reader that trusts only the marker never sees a partial or
 * failed upload.
 */
public final class ObjectDirs {

    /** A file or directory in a store: {@code key} has no trailing '/'. */
    public record Location(ObjectStore store, String key) {

        public Location {
            while (key.endsWith("/")) {
                key = key.substring(0, key.length() - 1);
            }
        }

        public String prefix() {
            return key.isEmpty() ? "" : key + "/";
        }

        public Location child(String name) {
            return new Location(store, prefix() + name);
        }

        public String uri() {
            return store.uri(key);
        }

        String parentPrefix() {
            int slash = key.lastIndexOf('/');
            return slash < 0 ? "" : key.substring(0, slash + 1);
        }

        String name() {
            return key.substring(key.lastIndexOf('/') + 1);
        }
    }

    private ObjectDirs() {}

    /**
     * Downloads {@code from} (one object, or every object under it as a directory) to {@code to},
     * refusing before any download when it holds more than {@code maxBytes}. Returns the bytes
     * downloaded; {@code to} does not exist when nothing is there.
     */
    public static long stage(Location from, Path to, long maxBytes, String field)
            throws IOException {
        if (!from.key().isEmpty() && from.store().exists(from.key())) {
            long size =
                    from.store().list(from.key()).stream()
                            .filter(e -> e.key().equals(from.key()))
                            .mapToLong(ObjectStore.Entry::size)
                            .sum();
            checkBudget(from, size, maxBytes, field);
            from.store().get(from.key(), to);
            return size;
        }
        List<ObjectStore.Entry> entries = from.store().list(from.prefix());
        long total = entries.stream().mapToLong(ObjectStore.Entry::size).sum();
        checkBudget(from, total, maxBytes, field);
        for (ObjectStore.Entry e : entries) {
            String rel = e.key().substring(from.prefix().length());
            Path target = to.resolve(rel).normalize();
            if (!target.startsWith(to.normalize()) || rel.isEmpty() || rel.endsWith("/")) {
                continue; // "directory" placeholder objects and keys escaping the prefix
            }
            from.store().get(e.key(), target);
        }
        return total;
    }

    private static void checkBudget(Location from, long bytes, long maxBytes, String field) {
        if (bytes > maxBytes) {
            throw TaskFailure.invalid(
                    "StagingLimitExceeded",
                    field
                            + " "
                            + from.uri()
                            + " holds "
                            + bytes
                            + " bytes, more than the "
                            + maxBytes
                            + " bytes this pod may stage to its local disk ("
                            + Storage.STAGE_MAX_BYTES_ENV
                            + ")");
        }
    }

    /**
     * Publishes the files of {@code localDir} as directory {@code target}: uploads them to a hidden
     * staging prefix next to it, then (only after every upload succeeded) removes an older version
     * of {@code target} marker first, copies the staged objects in, writes {@code marker} last and
     * removes the staging prefix. A failure before the copy leaves {@code target} as it was.
     */
    public static void publish(Path localDir, Location target, String marker) throws IOException {
        ObjectStore store = target.store();
        String staging =
                target.parentPrefix() + ".staging-" + target.name() + "-" + System.nanoTime() + "/";
        List<String> rels = files(localDir);
        List<String> uploaded = new ArrayList<>();
        try {
            for (String rel : rels) {
                if (rel.equals(marker)) {
                    continue;
                }
                store.put(localDir.resolve(rel), staging + rel);
                uploaded.add(staging + rel);
            }
        } catch (IOException | RuntimeException e) {
            deleteQuietly(store, uploaded);
            throw e;
        }
        retract(target, marker);
        String markerKey = target.prefix() + marker;
        for (String key : uploaded) {
            store.copy(key, target.prefix() + key.substring(staging.length()));
        }
        store.putBytes(markerKey, new byte[0]);
        deleteQuietly(store, uploaded);
    }

    /** Writes an empty marker object. */
    public static void mark(Location dir, String marker) throws IOException {
        dir.store().putBytes(dir.prefix() + marker, "".getBytes(StandardCharsets.UTF_8));
    }

    /** Names of the direct sub-directories of {@code dir} holding {@code marker}. */
    public static Set<String> markedChildren(Location dir, String marker) throws IOException {
        Set<String> names = new TreeSet<>();
        for (ObjectStore.Entry e : dir.store().list(dir.prefix())) {
            String rel = e.key().substring(dir.prefix().length());
            int slash = rel.indexOf('/');
            if (slash > 0 && rel.substring(slash + 1).equals(marker)) {
                names.add(rel.substring(0, slash));
            }
        }
        return names;
    }

    /** Deletes a version: its marker first (readers stop trusting it), then every object. */
    public static void retract(Location dir, String marker) throws IOException {
        String markerKey = dir.prefix() + marker;
        if (dir.store().exists(markerKey)) {
            dir.store().delete(List.of(markerKey));
        }
        deletePrefix(dir);
    }

    /** Deletes every object under {@code dir}. */
    public static void deletePrefix(Location dir) throws IOException {
        List<String> keys =
                dir.store().list(dir.prefix()).stream().map(ObjectStore.Entry::key).toList();
        if (!keys.isEmpty()) {
            dir.store().delete(keys);
        }
    }

    private static void deleteQuietly(ObjectStore store, List<String> keys) {
        try {
            if (!keys.isEmpty()) {
                store.delete(keys);
            }
        } catch (IOException | RuntimeException ignored) {
            // a leftover hidden staging prefix is never read
        }
    }

    private static List<String> files(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile)
                    .map(p -> dir.relativize(p).toString().replace('\\', '/'))
                    .sorted()
                    .toList();
        }
    }
}
