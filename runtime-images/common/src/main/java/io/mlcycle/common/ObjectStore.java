package io.mlcycle.common;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * A flat key space of immutable objects: an S3 bucket, or a directory standing in for one. The
 * versioned-publish and staging logic of {@link ObjectDirs} is written once against it.
 */
public interface ObjectStore {

    /** One object: its full key and size in bytes. */
    record Entry(String key, long size) {}

    /** The URI of {@code key} in this store, for messages and summaries. */
    String uri(String key);

    /** Whether an object with exactly this key exists. */
    boolean exists(String key) throws IOException;

    /** Every object whose key starts with {@code prefix}, in key order. */
    List<Entry> list(String prefix) throws IOException;

    /** Downloads one object to {@code to}, creating parent directories. */
    void get(String key, Path to) throws IOException;

    /** Uploads a local file as {@code key}, replacing an object of that key. */
    void put(Path from, String key) throws IOException;

    /** Writes a small object (a marker). */
    void putBytes(String key, byte[] bytes) throws IOException;

    /** The bytes of a small object (a marker); empty when there is no object of this key. */
    Optional<byte[]> read(String key) throws IOException;

    /**
     * Writes a small object only if no object of this key exists, atomically where the store
     * supports conditional writes; false when one exists.
     */
    boolean putBytesIfAbsent(String key, byte[] bytes) throws IOException;

    /** Deletes the given keys (missing ones are ignored). */
    void delete(List<String> keys) throws IOException;
}
