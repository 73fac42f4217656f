package io.mlcycle.common;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;

/** A directory as an {@link ObjectStore}: keys are relative paths ('/'-separated). */
public final class FileObjectStore implements ObjectStore {

    private final Path root;

    public FileObjectStore(Path root) {
        this.root = root;
    }

    private Path path(String key) {
        return root.resolve(key);
    }

    @Override
    public String uri(String key) {
        return path(key).toUri().toString();
    }

    @Override
    public boolean exists(String key) {
        return Files.isRegularFile(path(key));
    }

    @Override
    public List<Entry> list(String prefix) throws IOException {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        List<Entry> out = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                String key = root.relativize(p).toString().replace('\\', '/');
                if (key.startsWith(prefix)) {
                    out.add(new Entry(key, Files.size(p)));
                }
            }
        }
        out.sort((a, b) -> a.key().compareTo(b.key()));
        return out;
    }

    @Override
    public void get(String key, Path to) throws IOException {
        Files.createDirectories(to.toAbsolutePath().getParent());
        Files.copy(path(key), to, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void put(Path from, String key) throws IOException {
        Path to = path(key);
        Files.createDirectories(to.getParent());
        Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void putBytes(String key, byte[] bytes) throws IOException {
        Path to = path(key);
        Files.createDirectories(to.getParent());
        // readers of a marker see the old or the new bytes, never half
        Path tmp = Files.createTempFile(to.getParent(), ".put-", ".tmp");
        Files.write(tmp, bytes);
        Files.move(tmp, to, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public Optional<byte[]> read(String key) throws IOException {
        Path p = path(key);
        return Files.isRegularFile(p) ? Optional.of(Files.readAllBytes(p)) : Optional.empty();
    }

    /** A hard link of a complete temporary file: link(2) fails when the name exists. */
    @Override
    public boolean putBytesIfAbsent(String key, byte[] bytes) throws IOException {
        Path to = path(key);
        Files.createDirectories(to.getParent());
        Path tmp = Files.createTempFile(to.getParent(), ".put-", ".tmp");
        try {
            Files.write(tmp, bytes);
            Files.createLink(to, tmp);
            return true;
        } catch (FileAlreadyExistsException e) {
            return false;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Override
    public void delete(List<String> keys) throws IOException {
        for (String k : keys) {
            Files.deleteIfExists(path(k));
        }
    }
}
