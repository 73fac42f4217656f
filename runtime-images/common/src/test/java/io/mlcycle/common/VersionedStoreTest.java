package io.mlcycle.common;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class VersionedStoreTest {

    @TempDir Path root;

    @Test
    void onlyVersionsWithMarkerCountAndPruneKeepsNewest() throws Exception {
        VersionedStore store = new VersionedStore(root);
        for (String d : new String[] {"2026-11-01", "2026-11-02", "2026-11-03"}) {
            Path s = store.stage(d);
            Files.writeString(s.resolve("x"), d);
            store.publish(s, d);
        }
        Files.createDirectories(root.resolve("asOf=2026-11-04"));

        assertThat(store.completeVersions())
                .containsExactly("2026-11-03", "2026-11-02", "2026-11-01");
        assertThat(store.previous("2026-11-03")).contains("2026-11-02");
        assertThat(store.prune(2)).containsExactly("2026-11-01");
        assertThat(store.completeVersions()).containsExactly("2026-11-03", "2026-11-02");
    }

    @Test
    void republishingADateReplacesItWholeAndDiscardLeavesLastGoodIntact() throws Exception {
        VersionedStore store = new VersionedStore(root);
        Path s1 = store.stage("2026-11-01");
        Files.writeString(s1.resolve("x"), "one");
        store.publish(s1, "2026-11-01");
        Path s2 = store.stage("2026-11-01");
        Files.writeString(s2.resolve("x"), "two");
        VersionedStore.discard(s2);

        assertThat(Files.readString(store.versionDir("2026-11-01").resolve("x"))).isEqualTo("one");

        Path s3 = store.stage("2026-11-01");
        Files.writeString(s3.resolve("x"), "three");
        store.publish(s3, "2026-11-01");
        assertThat(Files.readString(store.versionDir("2026-11-01").resolve("x")))
                .isEqualTo("three");
        try (var files = Files.list(root)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactly("asOf=2026-11-01");
        }
    }
}
