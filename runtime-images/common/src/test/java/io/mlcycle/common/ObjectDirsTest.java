package io.mlcycle.common;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ObjectDirsTest {

    @TempDir Path bucket;
    @TempDir Path local;

    private static Path dir(Path parent, String name, String... files) throws IOException {
        Path d = Files.createDirectories(parent.resolve(name));
        for (int i = 0; i < files.length; i += 2) {
            Files.createDirectories(d.resolve(files[i]).getParent());
            Files.writeString(d.resolve(files[i]), files[i + 1]);
        }
        return d;
    }

    @Test
    void publishWritesTheMarkerLastAndLeavesNoStagingPrefix() throws Exception {
        FileObjectStore store = new FileObjectStore(bucket);
        ObjectDirs.Location target = new ObjectDirs.Location(store, "t/asOf=2026-11-01");
        ObjectDirs.publish(
                dir(local, "v1", "a.parquet", "1", "sub/b.parquet", "2"), target, "_SUCCESS");

        assertThat(store.list("t/").stream().map(ObjectStore.Entry::key))
                .containsExactly(
                        "t/asOf=2026-11-01/_SUCCESS",
                        "t/asOf=2026-11-01/a.parquet",
                        "t/asOf=2026-11-01/sub/b.parquet");
        assertThat(ObjectDirs.markedChildren(new ObjectDirs.Location(store, "t"), "_SUCCESS"))
                .containsExactly("asOf=2026-11-01");
    }

    @Test
    void republishingReplacesTheWholeVersionAndAFailedUploadLeavesTheOldOne() throws Exception {
        FileObjectStore store = new FileObjectStore(bucket);
        ObjectDirs.Location target = new ObjectDirs.Location(store, "t/v");
        ObjectDirs.publish(dir(local, "one", "a", "one", "old-only", "x"), target, "_SUCCESS");

        ObjectStore failing =
                new ForwardingStore(store) {
                    @Override
                    public void put(Path from, String key) throws IOException {
                        if (key.endsWith("/b")) {
                            throw new IOException("upload interrupted");
                        }
                        super.put(from, key);
                    }
                };
        assertThatThrownBy(
                        () ->
                                ObjectDirs.publish(
                                        dir(local, "two", "a", "two", "b", "two"),
                                        new ObjectDirs.Location(failing, "t/v"),
                                        "_SUCCESS"))
                .hasMessageContaining("upload interrupted");
        assertThat(Files.readString(bucket.resolve("t/v/a"))).isEqualTo("one");
        assertThat(store.list("t/").stream().map(ObjectStore.Entry::key))
                .containsExactly("t/v/_SUCCESS", "t/v/a", "t/v/old-only");

        ObjectDirs.publish(dir(local, "three", "a", "three"), target, "_SUCCESS");
        assertThat(store.list("t/").stream().map(ObjectStore.Entry::key))
                .containsExactly("t/v/_SUCCESS", "t/v/a");
        assertThat(Files.readString(bucket.resolve("t/v/a"))).isEqualTo("three");
    }

    @Test
    void stagingDownloadsADirectoryOrOneObjectAndRefusesOverTheLimit() throws Exception {
        FileObjectStore store = new FileObjectStore(bucket);
        dir(bucket, "src/day=1", "part-0.csv", "a,b\n", "part-1.csv", "c,d\n", "_SUCCESS", "");

        Path to = local.resolve("staged");
        long bytes =
                ObjectDirs.stage(
                        new ObjectDirs.Location(store, "src/day=1"), to, 100, "source.uri");
        assertThat(bytes).isEqualTo(8);
        try (var files = Files.list(to)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder("part-0.csv", "part-1.csv", "_SUCCESS");
        }

        Path one = local.resolve("one.csv");
        ObjectDirs.stage(new ObjectDirs.Location(store, "src/day=1/part-1.csv"), one, 100, "f");
        assertThat(Files.readString(one)).isEqualTo("c,d\n");

        assertThat(
                        ObjectDirs.stage(
                                new ObjectDirs.Location(store, "src/none"),
                                local.resolve("n"),
                                100,
                                "f"))
                .isZero();
        assertThat(local.resolve("n")).doesNotExist();

        assertThatThrownBy(
                        () ->
                                ObjectDirs.stage(
                                        new ObjectDirs.Location(store, "src/day=1"),
                                        local.resolve("small"),
                                        7,
                                        "source.uri"))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("source.uri")
                .hasMessageContaining("holds 8 bytes")
                .hasMessageContaining(Storage.STAGE_MAX_BYTES_ENV);
        assertThat(local.resolve("small")).doesNotExist();
    }

    @Test
    void retractDeletesTheMarkerFirst() throws Exception {
        FileObjectStore store = new FileObjectStore(bucket);
        ObjectDirs.publish(
                dir(local, "v", "z", "1"), new ObjectDirs.Location(store, "v"), "_SUCCESS");
        List<List<String>> deletes = new java.util.ArrayList<>();
        ObjectStore recording =
                new ForwardingStore(store) {
                    @Override
                    public void delete(List<String> keys) throws IOException {
                        deletes.add(List.copyOf(keys));
                        super.delete(keys);
                    }
                };
        ObjectDirs.retract(new ObjectDirs.Location(recording, "v"), "_SUCCESS");
        assertThat(deletes).containsExactly(List.of("v/_SUCCESS"), List.of("v/z"));
    }

    /** Delegates everything; tests override one call to fail or record. */
    static class ForwardingStore implements ObjectStore {
        private final ObjectStore d;

        ForwardingStore(ObjectStore d) {
            this.d = d;
        }

        @Override
        public String uri(String key) {
            return d.uri(key);
        }

        @Override
        public boolean exists(String key) throws IOException {
            return d.exists(key);
        }

        @Override
        public List<Entry> list(String prefix) throws IOException {
            return d.list(prefix);
        }

        @Override
        public void get(String key, Path to) throws IOException {
            d.get(key, to);
        }

        @Override
        public void put(Path from, String key) throws IOException {
            d.put(from, key);
        }

        @Override
        public void putBytes(String key, byte[] bytes) throws IOException {
            d.putBytes(key, bytes);
        }

        @Override
        public void copy(String fromKey, String toKey) throws IOException {
            d.copy(fromKey, toKey);
        }

        @Override
        public void delete(List<String> keys) throws IOException {
            d.delete(keys);
        }
    }
}
