package io.mlcycle.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;

import static org.assertj.core.api.Assertions.assertThat;

/** What the chart package carries: the CRDs in files/crds/, the Argo CD checks, no Maven files. */
@UnitTier
class ChartPackagingTest {

    static final List<String> KINDS =
            List.of("FeatureView", "TrainingRun", "ModelVersion", "ModelDeployment");

    @Test
    void theCrdsShipInFilesAndNothingLiesInTheCrdsDirectoryThatHelmNeverUpgrades(@TempDir Path tmp)
            throws IOException {
        new Helm(Chart.DIR).packageIt().withDestination(tmp).call();
        List<String> entries = tarEntries(tmp.resolve("mlcycle-0.1.0.tgz"));

        assertThat(new Helm(Chart.DIR).show().crds().call()).isBlank();
        assertThat(entries).noneMatch(e -> e.startsWith("mlcycle/crds/"));
        for (Path file : Chart.crdFiles()) {
            assertThat(entries).contains("mlcycle/files/crds/" + file.getFileName());
        }
        assertThat(Chart.crdFiles()).hasSize(KINDS.size());
    }

    @Test
    void packageLeavesOutTheMavenModuleAndKeepsTheArgoCdChecks(@TempDir Path tmp)
            throws IOException {
        new Helm(Chart.DIR).packageIt().withDestination(tmp).call();

        Path archive = tmp.resolve("mlcycle-0.1.0.tgz");
        assertThat(archive).exists();
        List<String> entries = tarEntries(archive);
        assertThat(entries)
                .contains(
                        "mlcycle/Chart.yaml",
                        "mlcycle/values.yaml",
                        "mlcycle/README.md",
                        "mlcycle/templates/deployment.yaml");
        for (String kind : KINDS) {
            assertThat(entries)
                    .contains(
                            "mlcycle/argocd/common.lua",
                            "mlcycle/argocd/mlcycle.io_" + kind + ".lua");
        }
        assertThat(entries)
                .noneMatch(e -> e.equals("mlcycle/pom.xml"))
                .noneMatch(e -> e.startsWith("mlcycle/src/"))
                .noneMatch(e -> e.startsWith("mlcycle/target/"));
    }

    @Test
    void argoCdHealthConfigMapIsOffByDefault() {
        assertThat(Chart.template(Map.of()).ofKind("ConfigMap")).isEmpty();
    }

    @Test
    void argoCdHealthConfigMapCarriesEveryLuaCheckWhenEnabled() {
        Chart.Rendered rendered = Chart.templateWithValuesFile("values/argocd-on.yaml");

        JsonNode configMap = rendered.get("ConfigMap", "mlcycle-argocd-health");
        assertThat(configMap.at("/metadata/namespace").asText()).isEqualTo("gitops");
        assertThat(configMap.get("data")).hasSize(KINDS.size());
        for (String kind : KINDS) {
            String script = Chart.healthCheck(kind);
            assertThat(
                            configMap
                                    .at("/data/resource.customizations.health.mlcycle.io_" + kind)
                                    .asText()
                                    .strip())
                    .as(kind)
                    .isEqualTo(script.strip());
        }
    }

    @Test
    void argoCdHealthConfigMapNamedArgocdCmIsLabelledForArgoCd() {
        Chart.Rendered rendered =
                Chart.template(
                        Map.of(
                                "argocd.healthChecks.enabled",
                                true,
                                "argocd.configMapName",
                                "argocd-cm"));

        JsonNode configMap = rendered.get("ConfigMap", "argocd-cm");
        assertThat(configMap.at("/metadata/namespace").asText()).isEqualTo("argocd");
        assertThat(configMap.at("/metadata/labels/app.kubernetes.io~1part-of").asText())
                .isEqualTo("argocd");
    }

    /** Names of the entries of a .tgz (ustar headers are 512-byte blocks). */
    static List<String> tarEntries(Path archive) {
        List<String> names = new ArrayList<>();
        try (InputStream in = new GZIPInputStream(Files.newInputStream(archive))) {
            byte[] header = new byte[512];
            while (in.readNBytes(header, 0, 512) == 512) {
                String name = field(header, 0, 100);
                if (name.isEmpty()) {
                    break;
                }
                String prefix = field(header, 345, 155);
                long size =
                        Long.parseLong(
                                field(header, 124, 12).trim().isEmpty()
                                        ? "0"
                                        : field(header, 124, 12).trim(),
                                8);
                names.add(prefix.isEmpty() ? name : prefix + "/" + name);
                long padded = (size + 511) / 512 * 512;
                in.skipNBytes(padded);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return names;
    }

    private static String field(byte[] header, int offset, int length) {
        int end = offset;
        while (end < offset + length && header[end] != 0) {
            end++;
        }
        return new String(header, offset, end - offset, java.nio.charset.StandardCharsets.US_ASCII);
    }
}
