package io.mlcycle.common;

import io.mlcycle.common.ObjectDirs.Location;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The writing side of {@link ObjectDirs}: uploads a generation, moves the marker, deletes what it
 * superseded and sweeps orphaned generations (the guarantees are stated on {@link
 * ObjectDirs#publish}, {@link ObjectDirs#publishOnce} and {@link ObjectDirs#sweepOrphans}).
 */
final class ObjectDirPublisher {

    private ObjectDirPublisher() {}

    static void publish(Path localDir, Location target, String marker) throws IOException {
        Generation gen = upload(localDir, target, marker);
        String markerKey = target.prefix() + marker;
        Optional<byte[]> previous = target.store().read(markerKey);
        target.store().putBytes(markerKey, gen.render());
        deleteSuperseded(target, marker, previous, gen);
    }

    static boolean publishOnce(Path localDir, Location target, String marker) throws IOException {
        String markerKey = target.prefix() + marker;
        if (target.store().read(markerKey).isPresent()) {
            return false;
        }
        Generation gen = upload(localDir, target, marker);
        byte[] mine = gen.render();
        // checked again right before the PUT, and read back a while after it: on a store that
        // ignores If-None-Match, a racer that passed its check before our PUT lands its own PUT
        // within about one round trip, before we read back, so only the last PUT's owner wins
        boolean won =
                target.store().read(markerKey).isEmpty()
                        && target.store().putBytesIfAbsent(markerKey, mine)
                        && settled()
                        && target.store()
                                .read(markerKey)
                                .map(b -> Arrays.equals(b, mine))
                                .orElse(false);
        if (!won) {
            ObjectDirs.deletePrefixQuietly(target.child(gen.name()));
        }
        return won;
    }

    private static boolean settled() throws IOException {
        try {
            Thread.sleep(ObjectDirs.PUBLISH_ONCE_SETTLE_MILLIS);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while publishing", e);
        }
    }

    private static Generation upload(Path localDir, Location target, String marker)
            throws IOException {
        Map<String, Long> files = new LinkedHashMap<>();
        for (String rel : files(localDir)) {
            if (!rel.equals(marker)) {
                files.put(rel, Files.size(localDir.resolve(rel)));
            }
        }
        Generation gen = Generation.fresh(files);
        Location dir = target.child(gen.name());
        try {
            for (String rel : files.keySet()) {
                target.store().put(localDir.resolve(rel), dir.prefix() + rel);
            }
        } catch (IOException | RuntimeException e) {
            ObjectDirs.deletePrefixQuietly(dir);
            throw e;
        }
        return gen;
    }

    /**
     * After {@code current} was named: deletes what {@code previous} named (its generation, or the
     * old-layout files next to the marker; with no previous marker, an unpublished leftover's
     * files). A reader still downloading them sees the marker moved and starts over.
     */
    private static void deleteSuperseded(
            Location target, String marker, Optional<byte[]> previous, Generation current)
            throws IOException {
        Optional<Generation> old;
        try {
            old = previous.flatMap(Generation::parse);
        } catch (IllegalArgumentException e) {
            return; // a marker we cannot read: leave its objects, they are never read again
        }
        if (old.isPresent()) {
            if (!old.get().name().equals(current.name())) {
                ObjectDirs.deletePrefixQuietly(target.child(old.get().name()));
            }
            return;
        }
        List<String> loose =
                target.store().list(target.prefix()).stream()
                        .map(ObjectStore.Entry::key)
                        .filter(k -> !k.equals(target.prefix() + marker))
                        .filter(
                                k ->
                                        !ObjectDirs.inGeneration(
                                                k.substring(target.prefix().length())))
                        .toList();
        ObjectDirs.deleteQuietly(target.store(), loose);
    }

    static void sweepOrphans(Location dir, String marker, long nowMillis) throws IOException {
        Optional<Generation> named;
        try {
            named = dir.store().read(dir.prefix() + marker).flatMap(Generation::parse);
        } catch (IllegalArgumentException e) {
            return; // which generation it names is unknown: delete none
        }
        List<String> orphans = new ArrayList<>();
        for (ObjectStore.Entry e : dir.store().list(dir.prefix())) {
            String rel = e.key().substring(dir.prefix().length());
            if (!ObjectDirs.inGeneration(rel)) {
                continue;
            }
            String gen = rel.substring(0, rel.indexOf('/'));
            boolean isNamed = named.isPresent() && named.get().name().equals(gen);
            if (!isNamed
                    && nowMillis - Generation.createdMillis(gen) > ObjectDirs.ORPHAN_GRACE_MILLIS) {
                orphans.add(e.key());
            }
        }
        ObjectDirs.deleteQuietly(dir.store(), orphans);
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
