package io.mlcycle.trainer;

import io.mlcycle.common.ArtifactDigest;
import io.mlcycle.common.ObjectDirs;
import io.mlcycle.common.Storage;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.VersionedStore;
import io.mlcycle.model.FeatureStatistics;
import io.mlcycle.model.ModelArtifact;
import io.mlcycle.model.ModelSpec;
import io.mlcycle.task.Summary;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

/**
 * Publishes a trained version once: staged next to its directory, checked to load, digested and
 * renamed into place with its marker; a published version is never replaced.
 */
final class ArtifactPublisher {

    private ArtifactPublisher() {}

    /** Writes a model's files ({@code model.json} and its parameters) into a directory. */
    @FunctionalInterface
    interface ModelFiles {
        void write(Path dir) throws IOException;
    }

    /** The files of a single fitted model: XGBoost's JSON or the network's parameters. */
    static ModelFiles files(ModelSpec spec, Fit.Fitted fitted) {
        return dir -> {
            if (fitted.trees() != null) {
                ModelArtifact.write(dir, spec, fitted.trees());
            } else {
                ModelArtifact.write(dir, spec, fitted.params());
            }
        };
    }

    /**
     * {@link #publish(Path, String, ModelSpec, ModelFiles, Map, List, List, FeatureStatistics)}.
     */
    static String publish(
            Path out,
            String outputUri,
            ModelSpec spec,
            Fit.Fitted fitted,
            Map<String, Object> metrics,
            List<Map<String, Object>> importance,
            List<Map<String, Object>> trials,
            FeatureStatistics statistics)
            throws IOException {
        return publish(
                out, outputUri, spec, files(spec, fitted), metrics, importance, trials, statistics);
    }

    /**
     * Writes everything into a staging directory next to {@code out} and renames it into place,
     * marker included, in one step: a version that was published once is never replaced (a second
     * trainer of the same version fails instead of overwriting it). Returns the artifact's digest.
     */
    static String publish(
            Path out,
            String outputUri,
            ModelSpec spec,
            ModelFiles files,
            Map<String, Object> metrics,
            List<Map<String, Object>> importance,
            List<Map<String, Object>> trials,
            FeatureStatistics statistics)
            throws IOException {
        Path parent = out.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path staging = Files.createTempDirectory(parent, ".staging-" + out.getFileName() + "-");
        try {
            // temp directories are owner-only; the serving pods read the artifact as another user
            Files.setPosixFilePermissions(staging, PosixFilePermissions.fromString("rwxr-xr-x"));
        } catch (UnsupportedOperationException ignored) {
            // not a POSIX file system: its defaults apply
        }
        try {
            files.write(staging);
            var writer = TaskJson.MAPPER.writerWithDefaultPrettyPrinter();
            writer.writeValue(staging.resolve(Trainer.METRICS).toFile(), metrics);
            writer.writeValue(staging.resolve(Trainer.IMPORTANCE).toFile(), importance);
            writer.writeValue(staging.resolve(Trainer.TRIALS).toFile(), trials);
            Files.writeString(staging.resolve(ModelCard.FILE), ModelCard.html(spec, metrics));
            statistics.write(staging);
            // the files must load before they are published
            ModelArtifact.load(staging).close();
            String digest = ArtifactDigest.of(staging);
            Files.writeString(staging.resolve(VersionedStore.SUCCESS), "");
            refuseIfPublished(out, outputUri);
            if (Files.exists(out)) {
                // an unpublished leftover (no marker) of an interrupted copy: never read, replace
                // it
                Path old =
                        parent.resolve(".replaced-" + out.getFileName() + "-" + System.nanoTime());
                move(out, old);
                VersionedStore.deleteRecursively(old);
            }
            try {
                // rename(2) onto a directory another trainer has just published fails: no overwrite
                Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileSystemException e) {
                if (Files.exists(out.resolve(VersionedStore.SUCCESS))) {
                    throw alreadyPublished(outputUri);
                }
                throw e;
            }
            if (Storage.isS3(outputUri)
                    && !ObjectDirs.publishOnce(
                            out, Storage.locate(outputUri, "outputUri"), VersionedStore.SUCCESS)) {
                // another trainer's conditional marker write won: its version stays
                throw alreadyPublished(outputUri);
            }
            return digest;
        } catch (IOException | RuntimeException e) {
            VersionedStore.discard(staging);
            throw e;
        }
    }

    /** A version directory with its marker is a published version: it is never written again. */
    static void refuseIfPublished(Path out, String outputUri) {
        if (Storage.isS3(outputUri)) {
            String marker = outputUri.replaceAll("/+$", "") + "/" + VersionedStore.SUCCESS;
            if (Storage.exists(marker, "outputUri")) {
                throw alreadyPublished(outputUri);
            }
            return;
        }
        if (Files.exists(out.resolve(VersionedStore.SUCCESS))) {
            throw alreadyPublished(outputUri);
        }
    }

    private static TaskFailure alreadyPublished(String outputUri) {
        return new TaskFailure(
                Summary.Outcome.Failed,
                "VersionAlreadyPublished",
                "outputUri "
                        + outputUri
                        + " already holds a published model (its "
                        + VersionedStore.SUCCESS
                        + " marker exists); a published version is never replaced");
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }
}
