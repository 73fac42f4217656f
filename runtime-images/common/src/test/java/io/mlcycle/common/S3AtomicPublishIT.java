package io.mlcycle.common;

import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Publishing and reading versions on a real S3 server (S3Proxy, filesystem backend) while they are
 * replaced: readers see the complete old or the complete new version at every instant.
 */
@RealServersTier
class S3AtomicPublishIT {

    static final String D = "2026-11-02";

    @TempDir static Path dir;
    static LocalS3 s3;
    static final AtomicInteger SEQ = new AtomicInteger();

    @BeforeAll
    static void start() throws Exception {
        s3 = LocalS3.start(dir.resolve("s3"), "local-access", "local-secret");
        s3.createBucket("data");
        Storage.useS3(s3.settings(null));
    }

    @AfterAll
    static void stop() throws Exception {
        Storage.useS3(null);
        s3.close();
    }

    /** Version {@code k}: features.json says k, and k % 3 + 2 parts say k (the file set varies). */
    private static Map<String, String> version(String k) {
        Map<String, String> files = new TreeMap<>();
        files.put("features.json", k);
        for (int i = 0; i < Math.abs(k.hashCode()) % 3 + 2; i++) {
            files.put("part-" + i + ".parquet", k);
        }
        return files;
    }

    private static Path write(Path d, Map<String, String> files) throws IOException {
        Files.createDirectories(d);
        for (var e : files.entrySet()) {
            Files.writeString(d.resolve(e.getKey()), e.getValue());
        }
        return d;
    }

    private static Path local(Map<String, String> files) throws IOException {
        return write(dir.resolve("local-" + SEQ.incrementAndGet()), files);
    }

    /** A fresh, uncached download of {@code uri}: its files (without the marker) and contents. */
    private static Map<String, String> read(String uri) throws IOException {
        Path to = dir.resolve("read-" + SEQ.incrementAndGet());
        ObjectDirs.stage(Storage.locate(uri, "t"), to, Long.MAX_VALUE, "t");
        Map<String, String> out = new TreeMap<>();
        if (!Files.isDirectory(to)) {
            return out;
        }
        try (var files = Files.list(to)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                if (!p.getFileName().toString().equals(VersionedStore.SUCCESS)) {
                    out.put(p.getFileName().toString(), Files.readString(p));
                }
            }
        }
        VersionedStore.deleteRecursively(to);
        return out;
    }

    /** Asserts a read is one whole version and returns its name. */
    private static String whole(Map<String, String> files) {
        assertThat(files).as("a version was readable").containsKey("features.json");
        String k = files.get("features.json");
        assertThat(files).as("all files of one version").isEqualTo(version(k));
        return k;
    }

    /** The distinct first path segments under {@code dir}: the marker and generation names. */
    private static List<String> topNames(ObjectDirs.Location dir) throws IOException {
        return dir.store().list(dir.prefix()).stream()
                .map(e -> e.key().substring(dir.prefix().length()).split("/")[0])
                .distinct()
                .toList();
    }

    @Test
    void aReaderPollingADateWhileItIsReplacedAlwaysSeesOneWholeVersion() throws Exception {
        VersionedStore store = VersionedStore.open("s3://data/tables/poll", "store.uri");
        for (String d : List.of("2026-11-01", D)) {
            Path s = store.stage(d);
            write(s, version("v0"));
            store.publish(s, d);
        }
        int rounds = 12;
        CompletableFuture<Void> publisher =
                CompletableFuture.runAsync(
                        () -> {
                            try {
                                for (int k = 1; k <= rounds; k++) {
                                    Path s = store.stage(D);
                                    write(s, version("v" + k));
                                    store.publish(s, D);
                                }
                            } catch (IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        });
        Set<String> seen = new TreeSet<>();
        int reads = 0;
        while (!publisher.isDone() || reads == 0) {
            assertThat(store.latest()).as("the date is never missing").contains(D);
            seen.add(whole(read(store.versionUri(D))));
            reads++;
        }
        publisher.join();
        assertThat(whole(read(store.versionUri(D)))).isEqualTo("v" + rounds);
        // the reads overlapped the replacements, not just one side of them
        assertThat(seen.size()).as("versions seen in %d reads", reads).isGreaterThanOrEqualTo(3);
        // superseded generations were deleted: the marker and one generation are left
        ObjectDirs.Location v = Storage.locate(store.versionUri(D), "t");
        assertThat(topNames(v)).hasSize(2);
    }

    @Test
    void twoPublishersReplacingTheSameDateBothCompleteAndTheLastMarkerNamesAWholeVersion()
            throws Exception {
        ObjectDirs.Location target = Storage.locate("s3://data/tables/race/asOf=" + D, "t");
        ObjectDirs.publish(local(version("v0")), target, VersionedStore.SUCCESS);
        for (int round = 1; round <= 3; round++) {
            CyclicBarrier start = new CyclicBarrier(2);
            List<CompletableFuture<Void>> publishers = new ArrayList<>();
            for (String who : List.of("a" + round, "b" + round)) {
                Path files = local(version(who));
                publishers.add(
                        CompletableFuture.runAsync(
                                () -> {
                                    try {
                                        start.await();
                                        ObjectDirs.publish(files, target, VersionedStore.SUCCESS);
                                    } catch (Exception e) {
                                        throw new IllegalStateException(e);
                                    }
                                }));
            }
            while (!publishers.stream().allMatch(CompletableFuture::isDone)) {
                whole(read(target.uri()));
            }
            publishers.forEach(CompletableFuture::join);
            assertThat(whole(read(target.uri()))).isIn("a" + round, "b" + round);
        }
        // a generation orphaned by the race is swept once past the grace, the named one never
        ObjectDirs.sweepOrphans(
                target,
                VersionedStore.SUCCESS,
                System.currentTimeMillis() + ObjectDirs.ORPHAN_GRACE_MILLIS + 60_000);
        assertThat(topNames(target)).hasSize(2);
        whole(read(target.uri()));
    }

    @Test
    void aPublishOnceAfterAnotherPublisherWonLosesAndLeavesNothing() throws Exception {
        ObjectDirs.Location target = Storage.locate("s3://data/models/m/v1", "t");
        assertThat(ObjectDirs.publishOnce(local(version("first")), target, VersionedStore.SUCCESS))
                .isTrue();
        List<ObjectStore.Entry> won = target.store().list(target.prefix());
        assertThat(ObjectDirs.publishOnce(local(version("second")), target, VersionedStore.SUCCESS))
                .isFalse();
        assertThat(target.store().list(target.prefix())).isEqualTo(won);
        assertThat(whole(read(target.uri()))).isEqualTo("first");
    }

    /**
     * S3Proxy 2.6.0 ignores If-None-Match on PUT, so this exercises the fallback (marker checked
     * right before the PUT, read back a second after it): exactly one of two racers wins, its
     * version is whole, the loser leaves no objects. On AWS S3 the conditional PUT decides.
     */
    @Test
    void racingPublishOnceCallsLetExactlyOneWinEvenWhereIfNoneMatchIsIgnored() throws Exception {
        for (int round = 1; round <= 8; round++) {
            ObjectDirs.Location target = Storage.locate("s3://data/models/race/v" + round, "t");
            CyclicBarrier start = new CyclicBarrier(2);
            Map<String, CompletableFuture<Boolean>> racers = new TreeMap<>();
            for (String who : List.of("a" + round, "b" + round)) {
                Path files = local(version(who));
                racers.put(
                        who,
                        CompletableFuture.supplyAsync(
                                () -> {
                                    try {
                                        start.await();
                                        return ObjectDirs.publishOnce(
                                                files, target, VersionedStore.SUCCESS);
                                    } catch (Exception e) {
                                        throw new IllegalStateException(e);
                                    }
                                }));
            }
            List<String> winners =
                    racers.entrySet().stream()
                            .filter(e -> e.getValue().join())
                            .map(Map.Entry::getKey)
                            .toList();
            assertThat(winners).hasSize(1);
            assertThat(whole(read(target.uri()))).isIn(winners.toArray());
            long generations =
                    topNames(target).stream()
                            .filter(n -> n.startsWith(ObjectDirs.GENERATION_PREFIX))
                            .count();
            assertThat(generations).isEqualTo(winners.size());
        }
    }

    @Test
    void aVersionPublishedBeforeGenerationsStillReadsAndIsReplacedWhole() throws Exception {
        // the old layout: files next to an empty marker
        ObjectDirs.Location old = Storage.locate("s3://data/tables/old/asOf=" + D, "t");
        Path files = local(version("old"));
        for (String name : version("old").keySet()) {
            old.store().put(files.resolve(name), old.prefix() + name);
        }
        ObjectDirs.mark(old, VersionedStore.SUCCESS);

        Storage.useS3(s3.settings(null));
        VersionedStore store = VersionedStore.open("s3://data/tables/old", "store.uri");
        assertThat(store.completeVersions()).containsExactly(D);
        assertThat(Files.readString(store.fetch(D, "features.json"))).isEqualTo("old");
        assertThat(whole(read(store.versionUri(D)))).isEqualTo("old");
        Path staged = Uris.toPath(store.versionUri(D), "features[0].uri");
        assertThat(Files.readString(staged.resolve("part-0.parquet"))).isEqualTo("old");

        Path s = store.stage(D);
        write(s, version("new"));
        store.publish(s, D);
        assertThat(whole(read(store.versionUri(D)))).isEqualTo("new");
        assertThat(old.store().list(old.prefix()).stream().map(ObjectStore.Entry::key))
                .noneMatch(k -> k.endsWith(".parquet") && k.startsWith(old.prefix() + "part-"));
        Storage.useS3(s3.settings(null));
        assertThat(
                        Files.readString(
                                VersionedStore.open("s3://data/tables/old", "s")
                                        .fetch(D, "features.json")))
                .isEqualTo("new");
    }

    @Test
    void s3ProxyIgnoresIfNoneMatchOnPut() throws Exception {
        // documents the test server: S3 and MinIO answer 412 here, S3Proxy 2.6.0 overwrites
        ObjectDirs.Location loc = Storage.locate("s3://data/probe/marker", "t");
        byte[] two = "two".getBytes(StandardCharsets.UTF_8);
        assertThat(loc.store().putBytesIfAbsent(loc.key(), "one".getBytes(StandardCharsets.UTF_8)))
                .isTrue();
        assertThat(loc.store().putBytesIfAbsent(loc.key(), two)).isTrue();
        assertThat(loc.store().read(loc.key())).hasValue(two);
    }
}
