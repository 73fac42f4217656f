package io.mlcycle.common;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class ArtifactDigestTest {

    @TempDir Path dir;

    @Test
    void sameFilesGiveTheSameDigestWhateverTheMarkerOrHiddenFiles() throws Exception {
        Files.writeString(dir.resolve("model.json"), "{\"a\":1}");
        Files.writeString(dir.resolve("params.bin"), "xyz");
        String before = ArtifactDigest.of(dir);
        Files.writeString(dir.resolve(VersionedStore.SUCCESS), "");
        Files.writeString(dir.resolve(".nfs0001"), "junk");

        assertThat(before).startsWith("sha256:").hasSize(7 + 64);
        assertThat(ArtifactDigest.of(dir)).isEqualTo(before);
    }

    @Test
    void anyChangedRenamedOrAddedFileChangesTheDigest() throws Exception {
        Files.writeString(dir.resolve("model.json"), "{\"a\":1}");
        String original = ArtifactDigest.of(dir);

        Files.writeString(dir.resolve("model.json"), "{\"a\":2}");
        String changed = ArtifactDigest.of(dir);
        Files.writeString(dir.resolve("model.json"), "{\"a\":1}");
        Files.writeString(dir.resolve("metrics.json"), "{}");
        String added = ArtifactDigest.of(dir);

        assertThat(changed).isNotEqualTo(original);
        assertThat(added).isNotEqualTo(original).isNotEqualTo(changed);
        // the path is part of the digest: the same bytes under another name differ
        Path other = Files.createDirectory(dir.resolve("sub"));
        Files.writeString(other.resolve("x"), "ab");
        Path other2 = Files.createDirectory(dir.resolve("sub2"));
        Files.writeString(other2.resolve("y"), "ab");
        assertThat(ArtifactDigest.of(other)).isNotEqualTo(ArtifactDigest.of(other2));
    }

    @Test
    void verifyRefusesAnotherArtifactNamingBothDigestsAndSkipsUnrecorded() throws Exception {
        Files.writeString(dir.resolve("model.json"), "one");
        String recorded = ArtifactDigest.of(dir);
        ArtifactDigest.verify(dir, recorded, "churn v1");
        ArtifactDigest.verify(dir, null, "churn v1");

        Files.writeString(dir.resolve("model.json"), "two");
        assertThatThrownBy(() -> ArtifactDigest.verify(dir, recorded, "churn v1"))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining("churn v1")
                .hasMessageContaining(recorded)
                .hasMessageContaining(ArtifactDigest.of(dir))
                .extracting(e -> ((TaskFailure) e).reason())
                .isEqualTo("ArtifactDigestMismatch");
    }
}
