package io.mlcycle.common;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
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

    private static List<String> keys(ObjectStore store, String prefix) throws IOException {
        return store.list(prefix).stream().map(ObjectStore.Entry::key).toList();
    }

    /** The relative paths and contents of a staged directory. */
    private static Map<String, String> read(Path dir) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (var walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.filter(Files::isRegularFile)::iterator) {
                String rel = dir.relativize(p).toString();
                if (!rel.equals("_SUCCESS")) {
                    out.put(rel, Files.readString(p));
                }
            }
        }
        return out;
    }

    private Map<String, String> staged(ObjectStore store, String key, String name)
            throws IOException {
        Path to = local.resolve("read-" + name);
        ObjectDirs.stage(new ObjectDirs.Location(store, key), to, 1000, "f");
        return read(to);
    }

    @Test
    void listedNamesTheMarkersGenerationOrTheOldLayoutsFilesForInPlaceReaders() throws Exception {
        FileObjectStore store = new FileObjectStore(bucket);
        ObjectDirs.Location published = new ObjectDirs.Location(store, "t/asOf=2026-11-01");
        ObjectDirs.publish(dir(local, "v1", "a.parquet", "1"), published, "_SUCCESS");
        ObjectDirs.publish(
                dir(local, "v2", "a.parquet", "2", "sub/b.parquet", "3"), published, "_SUCCESS");
        Map<String, String> listed = ObjectDirs.listed(published);
        assertThat(listed).containsOnlyKeys("a.parquet", "sub/b.parquet");
        assertThat(store.read(listed.get("sub/b.parquet")).map(String::new)).contains("3");

        ObjectDirs.Location old = new ObjectDirs.Location(store, "raw/dt=2026-11-01");
        store.put(
                dir(local, "old", "part-0.parquet", "x").resolve("part-0.parquet"),
                "raw/dt=2026-11-01/part-0.parquet");
        ObjectDirs.mark(old, "_SUCCESS");
        assertThat(ObjectDirs.listed(old))
                .containsOnlyKeys("part-0.parquet")
                .containsEntry("part-0.parquet", "raw/dt=2026-11-01/part-0.parquet");
    }

    @Test
    void publishUploadsAGenerationThenWritesAMarkerNamingItsFiles() throws Exception {
        FileObjectStore store = new FileObjectStore(bucket);
        ObjectDirs.Location target = new ObjectDirs.Location(store, "t/asOf=2026-11-01");
        ObjectDirs.publish(
                dir(local, "v1", "a.parquet", "1", "sub/b.parquet", "22"), target, "_SUCCESS");

        List<String> keys = keys(store, "t/");
        assertThat(keys).hasSize(3).contains("t/asOf=2026-11-01/_SUCCESS");
        String gen = keys.get(0).split("/")[2];
        assertThat(gen).startsWith(ObjectDirs.GENERATION_PREFIX);
        assertThat(keys)
                .containsExactly(
                        "t/asOf=2026-11-01/" + gen + "/a.parquet",
                        "t/asOf=2026-11-01/" + gen + "/sub/b.parquet",
                        "t/asOf=2026-11-01/_SUCCESS");
        assertThat(Files.readString(bucket.resolve("t/asOf=2026-11-01/_SUCCESS")))
                .isEqualTo("mlcycle-generation " + gen + "\n1 a.parquet\n2 sub/b.parquet\n");
        assertThat(ObjectDirs.markedChildren(new ObjectDirs.Location(store, "t"), "_SUCCESS"))
                .containsExactly("asOf=2026-11-01");
        assertThat(staged(store, "t/asOf=2026-11-01", "v"))
                .containsExactly(Map.entry("a.parquet", "1"), Map.entry("sub/b.parquet", "22"));
        // one file of the version, as VersionedStore.fetch asks for it
        Path one = local.resolve("one");
        ObjectDirs.stage(
                new ObjectDirs.Location(store, "t/asOf=2026-11-01/a.parquet"), one, 9, "f");
        assertThat(Files.readString(one)).isEqualTo("1");
        assertThat(staged(store, "t/asOf=2026-11-01/sub", "sub"))
                .containsExactly(Map.entry("b.parquet", "22"));
    }

    @Test
    void republishingReplacesTheWholeVersionAndAFailedUploadLeavesTheOldOne() throws Exception {
        FileObjectStore store = new FileObjectStore(bucket);
        ObjectDirs.Location target = new ObjectDirs.Location(store, "t/v");
        ObjectDirs.publish(dir(local, "one", "a", "one", "old-only", "x"), target, "_SUCCESS");
        List<String> first = keys(store, "t/");

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
        assertThat(keys(store, "t/")).isEqualTo(first);
        assertThat(staged(store, "t/v", "after-failure"))
                .containsExactly(Map.entry("a", "one"), Map.entry("old-only", "x"));

        ObjectDirs.publish(dir(local, "three", "a", "three"), target, "_SUCCESS");
        assertThat(keys(store, "t/")).hasSize(2).doesNotContainAnyElementsOf(first.subList(0, 2));
        assertThat(staged(store, "t/v", "three")).containsExactly(Map.entry("a", "three"));
    }

    @Test
    void anOldLayoutVersionReadsAndIsReplacedByAGeneration() throws Exception {
        FileObjectStore store = new FileObjectStore(bucket);
        // published before generations: empty marker, files next to it
        dir(bucket, "t/v", "a", "old", "sub/b", "old-b", "_SUCCESS", "");
        assertThat(staged(store, "t/v", "old"))
                .containsExactly(Map.entry("a", "old"), Map.entry("sub/b", "old-b"));
        Path one = local.resolve("old-one");
        ObjectDirs.stage(new ObjectDirs.Location(store, "t/v/a"), one, 9, "f");
        assertThat(Files.readString(one)).isEqualTo("old");

        ObjectDirs.publish(
                dir(local, "new", "a", "new"), new ObjectDirs.Location(store, "t/v"), "_SUCCESS");
        assertThat(staged(store, "t/v", "new")).containsExactly(Map.entry("a", "new"));
        assertThat(keys(store, "t/v/")).hasSize(2).doesNotContain("t/v/a", "t/v/sub/b");
    }

    @Test
    void publishingOverAnUnpublishedLeftoverRemovesItsFiles() throws Exception {
        FileObjectStore store = new FileObjectStore(bucket);
        dir(bucket, "t/v", "half", "interrupted upload, no marker");
        ObjectDirs.publish(
                dir(local, "new", "a", "new"), new ObjectDirs.Location(store, "t/v"), "_SUCCESS");
        assertThat(keys(store, "t/v/")).hasSize(2).doesNotContain("t/v/half");
        assertThat(staged(store, "t/v", "new")).containsExactly(Map.entry("a", "new"));
    }

    @Test
    void aMalformedGenerationMarkerFailsNamingItAndStagesNothing() throws Exception {
        FileObjectStore store = new FileObjectStore(bucket);
        dir(bucket, "t/v", "_SUCCESS", "mlcycle-generation .gen-1-x\nten a\n", ".gen-1-x/a", "1");
        Path to = local.resolve("malformed");
        assertThatThrownBy(
                        () -> ObjectDirs.stage(new ObjectDirs.Location(store, "t/v"), to, 9, "f"))
                .hasMessageContaining("t/v/_SUCCESS")
                .hasMessageContaining("malformed line 'ten a'");
        assertThat(to).doesNotExist();
    }

    @Test
    void aReaderWhoseVersionIsReplacedMidDownloadStartsOverAndGetsTheNewOneWhole()
            throws Exception {
        FileObjectStore store = new FileObjectStore(bucket);
        ObjectDirs.Location target = new ObjectDirs.Location(store, "t/v");
        ObjectDirs.publish(dir(local, "one", "a", "1", "b", "1"), target, "_SUCCESS");
        java.util.concurrent.atomic.AtomicInteger gets =
                new java.util.concurrent.atomic.AtomicInteger();
        ObjectStore racing =
                new ForwardingStore(store) {
                    @Override
                    public void get(String key, Path to) throws IOException {
                        if (gets.incrementAndGet() == 1) {
                            // the first file is read, then a publisher replaces the version
                            super.get(key, to);
                            ObjectDirs.publish(
                                    dir(local, "two", "a", "2", "c", "2"), target, "_SUCCESS");
                            return;
                        }
                        super.get(key, to);
                    }
                };
        Path to = local.resolve("raced");
        ObjectDirs.stage(new ObjectDirs.Location(racing, "t/v"), to, 100, "f");
        assertThat(read(to)).containsExactly(Map.entry("a", "2"), Map.entry("c", "2"));
        // a, then b of the deleted old generation fails; a and c of the new one
        assertThat(gets.get()).isEqualTo(4);
    }

    @Test
    void publishOnceLetsOnlyTheFirstPublisherWinAndTheLoserLeavesNothing() throws Exception {
        FileObjectStore store = new FileObjectStore(bucket);
        ObjectDirs.Location target = new ObjectDirs.Location(store, "m/v1");
        assertThat(ObjectDirs.publishOnce(dir(local, "w", "model", "win"), target, "_SUCCESS"))
                .isTrue();
        List<String> won = keys(store, "m/");
        // a loser that passed the early check: its conditional marker write fails
        ObjectStore late =
                new ForwardingStore(store) {
                    private int checks;

                    @Override
                    public Optional<byte[]> read(String key) throws IOException {
                        // both checks before the PUT ran before the winner's marker landed
                        if (key.endsWith("_SUCCESS") && checks++ < 2) {
                            return Optional.empty();
                        }
                        return super.read(key);
                    }
                };
        assertThat(
                        ObjectDirs.publishOnce(
                                dir(local, "l", "model", "lose"),
                                new ObjectDirs.Location(late, "m/v1"),
                                "_SUCCESS"))
                .isFalse();
        assertThat(keys(store, "m/")).isEqualTo(won);
        assertThat(ObjectDirs.publishOnce(dir(local, "l2", "model", "x"), target, "_SUCCESS"))
                .isFalse();
        assertThat(staged(store, "m/v1", "won")).containsExactly(Map.entry("model", "win"));
    }

    @Test
    void sweepingRemovesOnlyUnnamedGenerationsPastTheGrace() throws Exception {
        FileObjectStore store = new FileObjectStore(bucket);
        ObjectDirs.Location target = new ObjectDirs.Location(store, "t/v");
        ObjectDirs.publish(dir(local, "one", "a", "1"), target, "_SUCCESS");
        List<String> named = keys(store, "t/v/");
        long now = System.currentTimeMillis();
        String old = ".gen-" + (now - ObjectDirs.ORPHAN_GRACE_MILLIS - 1000) + "-dead";
        String young = ".gen-" + (now - 1000) + "-busy";
        dir(bucket, "t/v/" + old, "a", "crashed");
        dir(bucket, "t/v/" + young, "a", "uploading");

        ObjectDirs.sweepOrphans(target, "_SUCCESS", now);
        List<String> left = keys(store, "t/v/");
        assertThat(left).containsAll(named).contains("t/v/" + young + "/a");
        assertThat(left).doesNotContain("t/v/" + old + "/a");
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
        assertThat(deletes).hasSize(2);
        assertThat(deletes.get(0)).containsExactly("v/_SUCCESS");
        assertThat(deletes.get(1)).singleElement().asString().endsWith("/z");
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
        public Optional<byte[]> read(String key) throws IOException {
            return d.read(key);
        }

        @Override
        public boolean putBytesIfAbsent(String key, byte[] bytes) throws IOException {
            return d.putBytesIfAbsent(key, bytes);
        }

        @Override
        public void delete(List<String> keys) throws IOException {
            d.delete(keys);
        }
    }
}
