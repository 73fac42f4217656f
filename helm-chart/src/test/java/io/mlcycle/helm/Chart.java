package io.mlcycle.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/** Renders the chart in this module's directory with real Helm and parses the objects. */
final class Chart {

    static final Path DIR = Path.of(System.getProperty("mlcycle.chart.dir", ".")).toAbsolutePath();
    static final String RELEASE = "mlcycle";
    static final String NAMESPACE = "mlcycle-system";
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final ObjectMapper JSON = new ObjectMapper();

    private Chart() {}

    /** Renders the templates with the given --set values, as `helm template` does. */
    static Rendered template(Map<String, Object> values) {
        return template(DIR, values, null);
    }

    /** Renders the templates with a values file from the test resources. */
    static Rendered templateWithValuesFile(String resource) {
        return template(DIR, Map.of(), Resources.path(resource));
    }

    static Rendered template(Path chartDir, Map<String, Object> values, Path valuesFile) {
        TemplateCommand command =
                new Helm(chartDir).template().withName(RELEASE).withNamespace(NAMESPACE);
        values.forEach(command::set);
        if (valuesFile != null) {
            command.withValuesFile(valuesFile);
        }
        return new Rendered(parseAll(command.call()));
    }

    /**
     * The {@code helm test} pod as the chart defines it (template {@code
     * mlcycle.testOperatorAnswers}, which the hook file includes): helm-java's template returns the
     * manifest without hooks, so a copy of the chart renders it into a ConfigMap.
     */
    static Rendered testHooks(Map<String, Object> values) {
        try {
            Path copy = Files.createTempDirectory("mlcycle-chart");
            try (var files = Files.walk(DIR)) {
                for (Path source : files.toList()) {
                    Path relative = DIR.relativize(source);
                    if (relative.startsWith("src") || relative.startsWith("target")) {
                        continue;
                    }
                    Path target = copy.resolve(relative.toString());
                    if (Files.isDirectory(source)) {
                        Files.createDirectories(target);
                    } else {
                        Files.copy(source, target);
                    }
                }
            }
            Files.writeString(
                    copy.resolve("templates/zz-test-hooks-probe.yaml"),
                    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: test-hooks-probe\n"
                            + "data:\n  hooks: {{ include \"mlcycle.testOperatorAnswers\" . | quote }}\n");
            JsonNode probe = template(copy, values, null).get("ConfigMap", "test-hooks-probe");
            return new Rendered(parseAll(probe.at("/data/hooks").asText()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static List<JsonNode> parseAll(String yaml) {
        List<JsonNode> objects = new ArrayList<>();
        try (YAMLParser parser = new YAMLFactory().createParser(yaml)) {
            var iterator = YAML.readValues(parser, JsonNode.class);
            while (iterator.hasNext()) {
                JsonNode node = iterator.next();
                if (node != null && node.isObject() && node.has("kind")) {
                    objects.add(node);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return objects;
    }

    /**
     * The Argo CD health script of a kind as the chart renders it: the shared start ({@code
     * argocd/common.lua}) followed by the kind's part.
     */
    static String healthCheck(String kind) {
        return read(DIR.resolve("argocd/common.lua"))
                + read(DIR.resolve("argocd/mlcycle.io_" + kind + ".lua"));
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The objects one rendering produced. */
    record Rendered(List<JsonNode> objects) {

        List<JsonNode> ofKind(String kind) {
            return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
        }

        Optional<JsonNode> find(String kind, String name) {
            return ofKind(kind).stream()
                    .filter(o -> name.equals(o.path("metadata").path("name").asText()))
                    .findFirst();
        }

        JsonNode get(String kind, String name) {
            return find(kind, name)
                    .orElseThrow(
                            () ->
                                    new AssertionError(
                                            "no " + kind + " named " + name + " in " + summary()));
        }

        JsonNode operatorContainer() {
            return get("Deployment", RELEASE).at("/spec/template/spec/containers/0");
        }

        /** The value of an env var of the operator container, or a missing node. */
        JsonNode env(String name) {
            for (JsonNode env : operatorContainer().path("env")) {
                if (name.equals(env.path("name").asText())) {
                    return env.path("value");
                }
            }
            return MissingNode.getInstance();
        }

        List<String> summary() {
            return objects.stream()
                    .map(
                            o ->
                                    o.path("kind").asText()
                                            + "/"
                                            + o.path("metadata").path("namespace").asText("-")
                                            + "/"
                                            + o.path("metadata").path("name").asText())
                    .toList();
        }
    }

    /** The generated CRDs the chart carries (the operator build writes them, a test checks). */
    static List<Path> crdFiles() throws IOException {
        try (Stream<Path> listing = Files.list(DIR.resolve("files/crds"))) {
            return listing.filter(f -> f.toString().matches(".*\\.ya?ml$")).sorted().toList();
        }
    }
}
