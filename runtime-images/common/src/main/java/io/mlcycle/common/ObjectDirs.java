package io.mlcycle.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Directories over an {@link ObjectStore}: a key prefix ending in '/' holds a directory's files.
 *
 * <p>A published directory is a set of immutable objects under a hidden generation prefix {@code
 * <dir>/.gen-<millis>-<random>/} plus the {@code _SUCCESS} marker {@code <dir>/_SUCCESS}, written
 * last in one PUT, that names the generation and lists its files with their sizes. Replacing a
 * directory uploads a new generation and then overwrites the marker: a reader resolves the marker
 * first and sees the complete old or the complete new generation at every instant. A marker that
 * names no generation (empty, as older publishers and other tools write it) means the files next to
 * it, so stores written before generations keep reading. Downloads (staging) are bounded.
 */
public final class ObjectDirs {

    /** Hidden sub-prefix of a directory holding one generation of its files. */
    static final String GENERATION_PREFIX = ".gen-";

    /** Orphaned generations (a crashed or losing publisher's) younger than this are kept. */
    static final long ORPHAN_GRACE_MILLIS = 24L * 3600 * 1000;

    /** Times a reader re-resolves a directory whose marker moved while it downloaded. */
    static final int STAGE_ATTEMPTS = 5;

    /** How long {@link #publishOnce} waits after its marker PUT before reading it back. */
    static final long PUBLISH_ONCE_SETTLE_MILLIS = 1000;

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

        Location parent() {
            int slash = key.lastIndexOf('/');
            return new Location(store, slash < 0 ? "" : key.substring(0, slash));
        }

        String name() {
            return key.substring(key.lastIndexOf('/') + 1);
        }
    }

    private ObjectDirs() {}

    /**
     * Downloads {@code from} (one object, or a directory) to {@code to}, refusing before any
     * download when it holds more than {@code maxBytes}. A directory whose marker names a
     * generation is read from that generation (so is a file inside such a directory); the marker is
     * downloaded with it. When the marker moves while files download (the directory is being
     * replaced), the download starts over from the new marker, so {@code to} always holds one
     * complete version. Returns the bytes downloaded; {@code to} does not exist when nothing is
     * there.
     */
    public static long stage(Location from, Path to, long maxBytes, String field)
            throws IOException {
        for (int attempt = 1; ; attempt++) {
            List<Optional<byte[]>> markers = markers(from);
            try {
                long bytes = stageOnce(from, markers.get(0), to, maxBytes, field);
                if (sameMarkers(markers, markers(from))) {
                    return bytes;
                }
            } catch (IOException | RuntimeException e) {
                if (attempt >= STAGE_ATTEMPTS || sameMarkers(markers, markers(from))) {
                    throw e;
                }
            }
            if (attempt >= STAGE_ATTEMPTS) {
                throw new IOException(
                        from.uri() + " was replaced " + attempt + " times while it was staged");
            }
            VersionedStore.deleteRecursively(to);
        }
    }

    private static long stageOnce(
            Location from, Optional<byte[]> marker, Path to, long maxBytes, String field)
            throws IOException {
        Optional<Generation> gen = generation(from, marker);
        if (gen.isPresent()) {
            checkBudget(from, gen.get().bytes(), maxBytes, field);
            for (String rel : gen.get().files().keySet()) {
                download(from.child(gen.get().name()), rel, to);
            }
            Files.createDirectories(to);
            Files.write(to.resolve(VersionedStore.SUCCESS), marker.get());
            return gen.get().bytes();
        }
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
        List<ObjectStore.Entry> entries =
                from.store().list(from.prefix()).stream()
                        .filter(e -> !inGeneration(e.key().substring(from.prefix().length())))
                        .toList();
        if (entries.isEmpty() && !from.key().isEmpty()) {
            return stageFromParentGeneration(from, to, maxBytes, field);
        }
        long total = entries.stream().mapToLong(ObjectStore.Entry::size).sum();
        checkBudget(from, total, maxBytes, field);
        for (ObjectStore.Entry e : entries) {
            download(from, e.key().substring(from.prefix().length()), to);
        }
        return total;
    }

    /** A file or sub-directory inside a directory whose marker names a generation. */
    private static long stageFromParentGeneration(
            Location from, Path to, long maxBytes, String field) throws IOException {
        Location dir = from.parent();
        Optional<Generation> gen = generation(dir, marker(dir));
        if (gen.isEmpty()) {
            return 0;
        }
        String name = from.name();
        Long single = gen.get().files().get(name);
        if (single != null) {
            checkBudget(from, single, maxBytes, field);
            dir.store().get(dir.child(gen.get().name()).child(name).key(), to);
            return single;
        }
        Map<String, Long> under = new LinkedHashMap<>();
        gen.get()
                .files()
                .forEach(
                        (rel, size) -> {
                            if (rel.startsWith(name + "/")) {
                                under.put(rel.substring(name.length() + 1), size);
                            }
                        });
        long total = under.values().stream().mapToLong(Long::longValue).sum();
        checkBudget(from, total, maxBytes, field);
        for (String rel : under.keySet()) {
            download(dir.child(gen.get().name()).child(name), rel, to);
        }
        return total;
    }

    /**
     * The files of directory {@code dir} as a reader sees them, relative path to key: those of the
     * generation its {@code _SUCCESS} marker names, or (old layout: no marker, or one naming no
     * generation) every object under it outside a generation, the marker left out. For readers that
     * read the objects where they are (Spark's s3a) instead of staging them.
     */
    public static Map<String, String> listed(Location dir) throws IOException {
        Map<String, String> keys = new java.util.TreeMap<>();
        Optional<Generation> gen = generation(dir, marker(dir));
        if (gen.isPresent()) {
            Location at = dir.child(gen.get().name());
            gen.get().files().keySet().forEach(rel -> keys.put(rel, at.prefix() + rel));
            return keys;
        }
        for (ObjectStore.Entry e : dir.store().list(dir.prefix())) {
            String rel = e.key().substring(dir.prefix().length());
            if (!rel.isEmpty()
                    && !rel.endsWith("/")
                    && !inGeneration(rel)
                    && !rel.equals(VersionedStore.SUCCESS)) {
                keys.put(rel, e.key());
            }
        }
        return keys;
    }

    private static Optional<Generation> generation(Location dir, Optional<byte[]> marker)
            throws IOException {
        try {
            return marker.flatMap(Generation::parse);
        } catch (IllegalArgumentException e) {
            throw new IOException(
                    dir.store().uri(dir.prefix() + VersionedStore.SUCCESS) + ": " + e.getMessage());
        }
    }

    private static void download(Location dir, String rel, Path to) throws IOException {
        Path target = to.resolve(rel).normalize();
        if (!target.startsWith(to.normalize()) || rel.isEmpty() || rel.endsWith("/")) {
            return; // "directory" placeholder objects and keys escaping the prefix
        }
        dir.store().get(dir.prefix() + rel, target);
    }

    static boolean inGeneration(String rel) {
        return rel.startsWith(GENERATION_PREFIX) && rel.indexOf('/') > 0;
    }

    private static Optional<byte[]> marker(Location dir) throws IOException {
        if (dir.key().isEmpty()) {
            return Optional.empty();
        }
        return dir.store().read(dir.prefix() + VersionedStore.SUCCESS);
    }

    /**
     * The markers a download of {@code from} depends on: its own, and when it has none, its
     * parent's (a file inside a published directory).
     */
    private static List<Optional<byte[]>> markers(Location from) throws IOException {
        Optional<byte[]> own = marker(from);
        if (own.isPresent() || from.key().isEmpty()) {
            return List.of(own);
        }
        return List.of(own, marker(from.parent()));
    }

    private static boolean sameMarkers(List<Optional<byte[]>> a, List<Optional<byte[]>> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (int i = 0; i < a.size(); i++) {
            Optional<byte[]> x = a.get(i);
            Optional<byte[]> y = b.get(i);
            if (x.isPresent() != y.isPresent()
                    || (x.isPresent() && !Arrays.equals(x.get(), y.get()))) {
                return false;
            }
        }
        return true;
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
     * Publishes the files of {@code localDir} as directory {@code target}, replacing what is there:
     * uploads them to a fresh generation, then (only after every upload succeeded) overwrites the
     * {@code marker} with one naming it, then deletes the generation (or old-layout files) the
     * previous marker named. Readers see the old version until the marker PUT and the new one
     * after; a failed upload leaves {@code target} as it was. Two concurrent publishers both
     * complete: the last marker written wins and names one complete generation.
     */
    public static void publish(Path localDir, Location target, String marker) throws IOException {
        ObjectDirPublisher.publish(localDir, target, marker);
    }

    /**
     * Publishes {@code localDir} as {@code target} only if {@code target} has no marker yet, with a
     * conditional PUT of the marker ({@code If-None-Match: *}): of concurrent publishers exactly
     * one wins on stores that honour it (AWS S3, MinIO; not S3Proxy 2.6.0, which ignores the header
     * on PUT). Returns false, leaving nothing behind, when another publisher's marker is there. On
     * a store that ignores the condition the marker is checked right before the PUT and read back
     * {@value #PUBLISH_ONCE_SETTLE_MILLIS} ms after it, and only the publisher whose marker is
     * there wins: exactly one wins unless a publisher stalls longer than that between its check and
     * its PUT; then both return true and the last marker names one complete generation (see
     * runtime-images/common/README.md).
     */
    public static boolean publishOnce(Path localDir, Location target, String marker)
            throws IOException {
        return ObjectDirPublisher.publishOnce(localDir, target, marker);
    }

    /**
     * Deletes generations under {@code dir} that its marker does not name and that are older than
     * {@link #ORPHAN_GRACE_MILLIS} (a publisher that crashed or lost a race); a generation being
     * uploaded right now is younger and is kept.
     */
    public static void sweepOrphans(Location dir, String marker, long nowMillis)
            throws IOException {
        ObjectDirPublisher.sweepOrphans(dir, marker, nowMillis);
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

    /**
     * Deletes every object under {@code dir}, deepest key first: a server that keeps directories
     * (S3Proxy's file backend lists each as a {@code dir/} key) refuses to remove one that still
     * holds files, retrying for 10 s before it gives up.
     */
    public static void deletePrefix(Location dir) throws IOException {
        List<String> keys =
                dir.store().list(dir.prefix()).stream()
                        .map(ObjectStore.Entry::key)
                        .sorted(Comparator.reverseOrder())
                        .toList();
        if (!keys.isEmpty()) {
            dir.store().delete(keys);
        }
    }

    static void deletePrefixQuietly(Location dir) {
        try {
            deletePrefix(dir);
        } catch (IOException | RuntimeException ignored) {
            // an unnamed generation is never read; prune sweeps it later
        }
    }

    static void deleteQuietly(ObjectStore store, List<String> keys) {
        try {
            if (!keys.isEmpty()) {
                store.delete(keys);
            }
        } catch (IOException | RuntimeException ignored) {
            // superseded objects are never read; prune sweeps them later
        }
    }
}
