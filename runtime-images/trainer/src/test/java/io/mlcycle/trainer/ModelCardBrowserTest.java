package io.mlcycle.trainer;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A trained model's card as a browser shows it: headless Chromium (Debian package {@code chromium})
 * lays the page out, its DOM keeps both curves and the feature bars, and the screenshot shows the
 * curve and bar colours where they belong.
 */
@UnitTier
class ModelCardBrowserTest {

    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TempDir Path root;

    @Test
    void chromiumRendersTheCardsCurvesConfusionMatrixAndFeatureBars() throws Exception {
        assumeTrue(
                Files.isExecutable(CHROMIUM) || System.getenv("CI") != null,
                "chromium (Debian package chromium) is not installed");
        PlantedData data = PlantedData.write(root, 1000, 300, 5);
        Path out = root.resolve("models/return-predictor/v3");
        Trainer.run(data.logistic(out, 3, 0.05));
        Path card = out.resolve(ModelCard.FILE);

        String dom = chromium(root, "--dump-dom", card.toUri().toString());
        assertThat(dom).contains("<svg id=\"roc\"", "<svg id=\"pr\"", "id=\"confusion\"");
        Matcher curve = Pattern.compile("class=\"curve\"[^>]*points=\"([^\"]+)\"").matcher(dom);
        List<Integer> pointCounts = new ArrayList<>();
        while (curve.find()) {
            pointCounts.add(curve.group(1).trim().split(" ").length);
        }
        assertThat(pointCounts).hasSize(2).allSatisfy(n -> assertThat(n).isGreaterThan(10));
        assertThat(Pattern.compile("class=\"bar\"").matcher(dom).results().count())
                .isGreaterThanOrEqualTo(5);

        Path png = root.resolve("card.png");
        chromium(root, "--screenshot=" + png, "--window-size=1000,1600", card.toUri().toString());
        BufferedImage image = ImageIO.read(png.toFile());
        assertThat(image.getWidth()).isEqualTo(1000);
        // the curves' stroke (#1f5fbf) and the bars' fill (#d9822b), anti-aliasing aside
        assertThat(pixels(image, 0x1f, 0x5f, 0xbf)).as("curve pixels").isGreaterThan(500);
        assertThat(pixels(image, 0xd9, 0x82, 0x2b)).as("bar pixels").isGreaterThan(500);
        // and the confusion matrix's green and red cells
        assertThat(pixels(image, 0xcc, 0xff, 0xcc)).as("correct cells").isGreaterThan(200);
        assertThat(pixels(image, 0xff, 0xcc, 0xcc)).as("error cells").isGreaterThan(200);
    }

    static long pixels(BufferedImage image, int r, int g, int b) {
        long n = 0;
        for (int y = 0; y < image.getHeight(); y++) {
            for (int x = 0; x < image.getWidth(); x++) {
                int rgb = image.getRGB(x, y);
                if (Math.abs(((rgb >> 16) & 0xff) - r) <= 8
                        && Math.abs(((rgb >> 8) & 0xff) - g) <= 8
                        && Math.abs((rgb & 0xff) - b) <= 8) {
                    n++;
                }
            }
        }
        return n;
    }

    static String chromium(Path dir, String... args) throws IOException, InterruptedException {
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                CHROMIUM.toString(),
                                "--headless",
                                "--no-sandbox",
                                "--disable-gpu",
                                "--hide-scrollbars",
                                "--user-data-dir=" + dir.resolve("chromium-profile")));
        cmd.addAll(List.of(args));
        Process p =
                new ProcessBuilder(cmd).redirectError(dir.resolve("chromium.log").toFile()).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as("chromium finished").isTrue();
        assertThat(p.exitValue())
                .as("chromium exit code; log:\n" + Files.readString(dir.resolve("chromium.log")))
                .isZero();
        return out;
    }
}
