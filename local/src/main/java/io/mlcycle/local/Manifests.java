package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/** {@code kubectl apply -f <folder>} against the in-memory API. */
public final class Manifests {

    private Manifests() {}

    /** The YAML files of a folder (or the file itself), sorted by name. */
    public static List<Path> files(Path folderOrFile) {
        if (Files.isRegularFile(folderOrFile)) {
            return List.of(folderOrFile);
        }
        if (!Files.isDirectory(folderOrFile)) {
            throw new IllegalArgumentException(
                    folderOrFile + " is neither a YAML file nor a folder");
        }
        try (Stream<Path> s = Files.list(folderOrFile)) {
            return s.filter(p -> p.getFileName().toString().matches(".*\\.ya?ml$"))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Loads every object of the YAML files (multi-document files allowed). */
    public static List<HasMetadata> load(KubernetesClient client, List<Path> files) {
        List<HasMetadata> items = new ArrayList<>();
        for (Path f : files) {
            try (InputStream in = Files.newInputStream(f)) {
                items.addAll(client.load(in).items());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + f, e);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("cannot parse " + f + ": " + e.getMessage(), e);
            }
        }
        return items;
    }

    /** Creates or updates each object, in order, in {@code namespace} unless it names its own. */
    public static List<String> apply(
            KubernetesClient client, List<HasMetadata> items, String namespace) {
        List<String> applied = new ArrayList<>();
        for (HasMetadata item : items) {
            String ns =
                    item.getMetadata().getNamespace() == null
                            ? namespace
                            : item.getMetadata().getNamespace();
            client.resource(item).inNamespace(ns).createOr(NonDeletingOperation::update);
            applied.add(item.getKind() + "/" + item.getMetadata().getName());
        }
        return applied;
    }

    /**
     * Points a ModelDeployment's rollback analysis at the local Prometheus when the manifest names
     * the local default address but Prometheus runs on another port.
     */
    @SuppressWarnings("unchecked")
    static void retargetPrometheus(List<HasMetadata> items, String defaultUrl, String actualUrl) {
        if (defaultUrl.equals(actualUrl)) {
            return;
        }
        for (HasMetadata item : items) {
            if (item instanceof GenericKubernetesResource g
                    && "ModelDeployment".equals(g.getKind())
                    && ResourceTable.get(g, "spec", "rollback", "prometheus")
                            instanceof Map<?, ?> prom
                    && defaultUrl.equals(prom.get("url"))) {
                ((Map<String, Object>) prom).put("url", actualUrl);
            }
        }
    }
}
