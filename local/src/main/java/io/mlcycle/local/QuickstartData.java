package io.mlcycle.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * The data step of an example folder: its {@code local.properties} names the generator arguments;
 * the game-log generator writes the raw data under the data root before anything is applied.
 */
public final class QuickstartData {

    /** The file in an example folder that describes its data step. */
    public static final String FILE = "local.properties";

    private QuickstartData() {}

    /**
     * The generator runs of a folder, in order: {@code generator.args}, then {@code
     * generator.args.2}, {@code .3}…; empty when it has none.
     */
    public static List<List<String>> generatorRuns(Path folder) {
        return generatorRuns(folder, "generator.args");
    }

    /** The runs named {@code key}, {@code key.2}, {@code key.3}… in a folder's properties. */
    public static List<List<String>> generatorRuns(Path folder, String key) {
        Properties p = properties(folder);
        List<List<String>> runs = new ArrayList<>();
        for (int i = 1; ; i++) {
            String args = p.getProperty(i == 1 ? key : key + "." + i);
            if (args == null || args.isBlank()) {
                return runs;
            }
            runs.add(Arrays.asList(args.trim().split("\\s+")));
        }
    }

    /** A folder's {@code local.properties}; empty when it has none. */
    public static Properties properties(Path folder) {
        Properties p = new Properties();
        Path file = folder.resolve(FILE);
        if (Files.isRegularFile(file)) {
            try (InputStream in = Files.newInputStream(file)) {
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return p;
    }

    /**
     * The operator settings a folder's properties give as {@code operator.<property>=<value>} (e.g.
     * {@code operator.mlcycle.storage.s3.credentials-secret}); empty when it has none.
     */
    public static Map<String, String> operatorProperties(Path folder) {
        Path file = folder.resolve(FILE);
        Map<String, String> out = new java.util.TreeMap<>();
        if (!Files.isRegularFile(file)) {
            return out;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        for (String k : p.stringPropertyNames()) {
            if (k.startsWith("operator.")) {
                out.put(k.substring("operator.".length()), p.getProperty(k).trim());
            }
        }
        return out;
    }

    /**
     * Runs {@code examples/generator/target/generator.jar} with {@code args}, where {@code --out}
     * is relative to the data root, and waits for it.
     */
    public static void generate(Path projectRoot, Path dataRoot, List<String> args, Path log) {
        Path jar = projectRoot.resolve("examples/generator/target/generator.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(
                    "the data generator is not built: "
                            + jar
                            + " is missing (run: mvn -q -B install -DskipTests)");
        }
        List<String> cmd = new ArrayList<>(List.of(Processes.java(), "-jar", jar.toString()));
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            cmd.add(a);
            if (a.equals("--out") && i + 1 < args.size()) {
                cmd.add(dataRoot.resolve(args.get(++i).replaceFirst("^/+", "")).toString());
            }
        }
        try {
            Files.createDirectories(log.getParent());
            Process p =
                    new ProcessBuilder(cmd)
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
            int code = p.waitFor();
            if (code != 0) {
                throw new IllegalStateException(
                        "the data generator failed (exit code "
                                + code
                                + "): "
                                + Processes.tail(log, 2000));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run the data generator", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while generating data");
        }
    }
}
