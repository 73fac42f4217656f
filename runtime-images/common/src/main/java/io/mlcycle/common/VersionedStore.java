package io.mlcycle.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Dated versions under a store directory: {@code <root>/asOf=<date>/}, complete only when its
 * {@code _SUCCESS} marker exists. A version is built in a hidden temporary directory and renamed
 * into place, marker last, so readers never see half a version and a failed run never touches the
 * last good one.
 */
public final class VersionedStore {

    public static final String SUCCESS = "_SUCCESS";
    private static final String PREFIX = "asOf=";

    private final Path root;

    public VersionedStore(Path root) {
        this.root = root;
    }

    public Path root() {
        return root;
    }

    public Path versionDir(String asOf) {
        return root.resolve(PREFIX + asOf);
    }

    /** A fresh staging directory on the same file system as the store. */
    public Path stage(String asOf) throws IOException {
        Files.createDirectories(root);
        return Files.createTempDirectory(root, ".staging-" + PREFIX + asOf + "-");
    }

    /**
     * Moves a fully written staging directory into place as {@code asOf}, replacing an older
     * directory of the same date only after the new one is complete, then writes the marker.
     */
    public Path publish(Path staging, String asOf) throws IOException {
        Path target = versionDir(asOf);
        Path old = null;
        if (Files.exists(target)) {
            old = root.resolve(".replaced-" + PREFIX + asOf + "-" + System.nanoTime());
            move(target, old);
        }
        move(staging, target);
        Files.writeString(target.resolve(SUCCESS), "");
        if (old != null) {
            deleteRecursively(old);
        }
        return target;
    }

    /** Dates of complete versions, newest first. */
    public List<String> completeVersions() {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> dirs = Files.list(root)) {
            return dirs.filter(d -> d.getFileName().toString().startsWith(PREFIX))
                    .filter(d -> Files.exists(d.resolve(SUCCESS)))
                    .map(d -> d.getFileName().toString().substring(PREFIX.length()))
                    .sorted(Comparator.reverseOrder())
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Optional<String> latest() {
        return completeVersions().stream().findFirst();
    }

    /** The newest complete version strictly before {@code asOf}. */
    public Optional<String> previous(String asOf) {
        return completeVersions().stream().filter(v -> v.compareTo(asOf) < 0).findFirst();
    }

    /** Deletes all but the newest {@code keep} complete versions, and stale staging directories. */
    public List<String> prune(int keep) throws IOException {
        List<String> removed = new ArrayList<>();
        if (keep <= 0) {
            return removed;
        }
        List<String> versions = completeVersions();
        for (String v : versions.subList(Math.min(keep, versions.size()), versions.size())) {
            deleteRecursively(versionDir(v));
            removed.add(v);
        }
        return removed;
    }

    /** Removes a staging directory after a failed run. */
    public static void discard(Path staging) {
        try {
            deleteRecursively(staging);
        } catch (IOException ignored) {
            // best effort: a leftover hidden staging directory is never read
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    public static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        Files.walkFileTree(
                dir,
                new SimpleFileVisitor<>() {
                    @Override
                    public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
                            throws IOException {
                        Files.delete(file);
                        return FileVisitResult.CONTINUE;
                    }

                    @Override
                    public FileVisitResult postVisitDirectory(Path d, IOException exc)
                            throws IOException {
                        Files.delete(d);
                        return FileVisitResult.CONTINUE;
                    }
                });
    }
}
