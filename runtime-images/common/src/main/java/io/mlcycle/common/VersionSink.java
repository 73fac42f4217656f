package io.mlcycle.common;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Where a run's finished files become one dated version at once: a {@link VersionedStore} directory
 * with {@code _SUCCESS}, or a commit to a table (the lake module's Iceberg sink). A run writes into
 * {@link #stage}, then {@link #publish}es; a failed run {@link #discard}s its stage and the last
 * good version stays.
 */
public interface VersionSink {

    /** A fresh local directory the run writes its files into. */
    Path stage(String asOf) throws IOException;

    /** Makes the staged files the version of {@code asOf}, all at once. */
    Published publish(Path staged, String asOf) throws IOException;

    /** Deletes a stage that was not published; best effort. */
    void discard(Path staged);

    /**
     * A published version: where its files lie and, for a table commit, the table and snapshot.
     *
     * @param table the table as the sink names it (null: a directory)
     * @param snapshotId the committed snapshot (null: a directory)
     */
    record Published(String uri, String table, Long snapshotId) {}

    /** The dated directories of {@code store}, each counting once its {@code _SUCCESS} exists. */
    static VersionSink of(VersionedStore store) {
        return new VersionSink() {
            @Override
            public Path stage(String asOf) throws IOException {
                return store.stage(asOf);
            }

            @Override
            public Published publish(Path staged, String asOf) throws IOException {
                store.publish(staged, asOf);
                return new Published(store.versionUri(asOf), null, null);
            }

            @Override
            public void discard(Path staged) {
                VersionedStore.discard(staged);
            }
        };
    }
}
