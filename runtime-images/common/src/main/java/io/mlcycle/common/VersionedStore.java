package io.mlcycle.common;

import io.mlcycle.task.Layout;

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
 *
 * <p>On {@code s3://} the store is remote: versions are built in a local mirror directory and
 * published with {@link ObjectDirs#publish} (a fresh generation prefix, then the marker naming it,
 * so replacing a date has no window); listing, pruning and reading earlier versions go to the
 * bucket, and every read resolves the marker ({@link #fetch}, {@link Storage#stage}).
 */
public final class VersionedStore {

    public static final String SUCCESS = "_SUCCESS";
    private static final String PREFIX = Layout.AS_OF_PREFIX;

    private final Path root;
    private final ObjectDirs.Location remote;

    public VersionedStore(Path root) {
        this(root, null);
    }

    private VersionedStore(Path root, ObjectDirs.Location remote) {
        this.root = root;
        this.remote = remote;
    }

    /** The store of a {@code file://} or {@code s3://} URI, naming {@code field} on error. */
    public static VersionedStore open(String uri, String field) {
        if (Storage.isS3(uri)) {
            return new VersionedStore(Storage.localMirror(uri), Storage.locate(uri, field));
        }
        return new VersionedStore(Uris.toPath(uri, field));
    }

    /** The URI of a version, ending in '/', as summaries report it. */
    public String versionUri(String asOf) {
        if (remote != null) {
            return remote.child(PREFIX + asOf).uri() + "/";
        }
        return Uris.fileUri(versionDir(asOf), true);
    }

    /**
     * A local copy of one file of a complete version ({@code versionDir(asOf)/name}), downloaded
     * first when the store is remote.
     */
    public Path fetch(String asOf, String name) {
        if (remote == null) {
            return versionDir(asOf).resolve(name);
        }
        return Storage.stage(
                remote.child(PREFIX + asOf).child(name).uri(), "store version " + asOf);
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
        if (remote != null) {
            ObjectDirs.publish(staging, remote.child(PREFIX + asOf), SUCCESS);
        }
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
        if (remote != null) {
            try {
                return ObjectDirs.markedChildren(remote, SUCCESS).stream()
                        .filter(n -> n.startsWith(PREFIX))
                        .map(n -> n.substring(PREFIX.length()))
                        .sorted(Comparator.reverseOrder())
                        .toList();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
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

    /**
     * Deletes all but the newest {@code keep} complete versions; on S3 also the kept versions'
     * generations that no marker names once they are a day old (see {@link
     * ObjectDirs#sweepOrphans}).
     */
    public List<String> prune(int keep) throws IOException {
        List<String> removed = new ArrayList<>();
        if (keep <= 0) {
            return removed;
        }
        List<String> versions = completeVersions();
        if (remote != null) {
            long now = System.currentTimeMillis();
            for (String v : versions.subList(0, Math.min(keep, versions.size()))) {
                ObjectDirs.sweepOrphans(remote.child(PREFIX + v), SUCCESS, now);
            }
        }
        for (String v : versions.subList(Math.min(keep, versions.size()), versions.size())) {
            if (remote != null) {
                ObjectDirs.retract(remote.child(PREFIX + v), SUCCESS);
            }
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
