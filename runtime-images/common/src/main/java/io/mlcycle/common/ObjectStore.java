package io.mlcycle.common;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

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

    /** Server-side copy. */
    void copy(String fromKey, String toKey) throws IOException;

    /** Deletes the given keys (missing ones are ignored). */
    void delete(List<String> keys) throws IOException;
}
