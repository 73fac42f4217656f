package io.mlcycle.operator.crd;

import io.mlcycle.operator.testing.ProjectRoot;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The CRDs committed in {@code crds/} and {@code helm-chart/crds/} are exactly the ones this build
 * generated. A {@code @QuarkusTest} so that the build's augmentation has written them.
 */
@QuarkusTest
class CrdFilesInSyncTest {

    static final String FIX =
            " — the API types changed: copy the generated CRDs with\n"
                    + "  cp operator/target/kubernetes/*.mlcycle.io-v1.yml crds/ && cp"
                    + " operator/target/kubernetes/*.mlcycle.io-v1.yml helm-chart/crds/";

    static List<Path> crds(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".mlcycle.io-v1.yml"))
                    .sorted()
                    .toList();
        }
    }

    @Test
    void committedCrdsEqualTheGeneratedOnes() throws IOException {
        Path generated = Path.of("target", "kubernetes");
        List<Path> built = crds(generated);
        assertThat(built).as("generated CRDs in " + generated.toAbsolutePath()).hasSize(4);
        Path root = ProjectRoot.get();
        for (Path copyDir : List.of(root.resolve("crds"), root.resolve("helm-chart/crds"))) {
            assertThat(crds(copyDir).stream().map(p -> p.getFileName().toString()))
                    .as("CRD files in " + copyDir + FIX)
                    .containsExactlyElementsOf(
                            built.stream().map(p -> p.getFileName().toString()).toList());
            for (Path g : built) {
                Path copy = copyDir.resolve(g.getFileName());
                assertThat(Files.readString(copy))
                        .as(root.relativize(copy) + " differs from the generated " + g + FIX)
                        .isEqualTo(Files.readString(g));
            }
        }
    }
}
