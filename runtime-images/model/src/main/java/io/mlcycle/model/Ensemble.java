package io.mlcycle.model;

import io.mlcycle.common.TaskFailure;
import io.mlcycle.task.TaskJson;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What an {@code ensemble} artifact's {@code ensemble.json} holds: its members (each a complete
 * artifact of its own under {@code members/}) and their weights. The ensemble's probability is the
 * weighted mean of the members' probabilities.
 *
 * @param output what the score is (always {@link #OUTPUT})
 * @param members the members, in the order their weights were fitted
 */
public record Ensemble(String output, List<Member> members) {

    public static final String FILE = "ensemble.json";
    public static final String OUTPUT = "weightedMeanOfProbabilities";

    /** Weights must sum to one within this. */
    static final double SUM_TOLERANCE = 1e-6;

    /**
     * One member.
     *
     * @param algorithm the member's algorithm (never ensemble)
     * @param directory its artifact, relative to the ensemble's directory
     * @param weight its non-negative weight; the weights sum to one
     */
    public record Member(String algorithm, String directory, double weight) {}

    /** Where member {@code i} of {@code algorithm} is written. */
    public static String directory(int i, String algorithm) {
        return "members/" + i + "-" + algorithm;
    }

    /**
     * Writes the ensemble's {@code model.json} and {@code ensemble.json} into {@code dir}; each
     * member's artifact must already be in its {@link Member#directory}.
     */
    public static void write(Path dir, ModelSpec spec, List<Member> members) throws IOException {
        check(members, dir.resolve(FILE));
        Files.createDirectories(dir);
        var writer = TaskJson.MAPPER.writerWithDefaultPrettyPrinter();
        writer.writeValue(dir.resolve(FILE).toFile(), new Ensemble(OUTPUT, members));
        writer.writeValue(dir.resolve(ModelSpec.FILE).toFile(), spec);
    }

    /** Loads the members of the ensemble in {@code dir}; a TaskFailure names the file at fault. */
    static ModelArtifact load(Path dir, ModelSpec spec) {
        Path file = dir.resolve(spec.parameters() == null ? FILE : spec.parameters());
        if (!Files.isRegularFile(file)) {
            throw TaskFailure.invalid("MissingModelFile", "no ensemble file " + file);
        }
        Ensemble e;
        try {
            e = TaskJson.MAPPER.readValue(file.toFile(), Ensemble.class);
        } catch (IOException ex) {
            throw TaskFailure.invalid(
                    "CorruptModelFile", file + " is not an ensemble: " + ex.getMessage());
        }
        if (!OUTPUT.equals(e.output())) {
            throw corrupt(file, "output '" + e.output() + "' is not " + OUTPUT);
        }
        double[] weights = check(e.members(), file);
        List<ModelArtifact> members = new ArrayList<>();
        Path root = dir.toAbsolutePath().normalize();
        for (Member m : e.members()) {
            Path memberDir = root.resolve(m.directory()).normalize();
            if (!memberDir.startsWith(root) || memberDir.equals(root)) {
                throw corrupt(
                        file, "member directory '" + m.directory() + "' is not inside " + dir);
            }
            ModelArtifact member = ModelArtifact.load(memberDir);
            if (!member.spec().algorithm().equalsIgnoreCase(m.algorithm())) {
                throw corrupt(
                        file,
                        "member "
                                + m.directory()
                                + " holds "
                                + member.spec().algorithm()
                                + ", not "
                                + m.algorithm());
            }
            members.add(member);
        }
        try {
            return ModelArtifact.of(spec, members, weights);
        } catch (IllegalArgumentException ex) {
            throw corrupt(file, ex.getMessage());
        }
    }

    /** The weights, checked: members present, none an ensemble, weights ≥ 0 summing to one. */
    static double[] check(List<Member> members, Path file) {
        if (members == null || members.isEmpty()) {
            throw corrupt(file, "members is empty");
        }
        double[] w = new double[members.size()];
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            Member m = members.get(i);
            if (m.algorithm() == null
                    || Algorithm.parse(m.algorithm()) == Algorithm.ENSEMBLE
                    || m.directory() == null) {
                throw corrupt(
                        file, "member " + i + " needs a non-ensemble algorithm and a directory");
            }
            if (!(m.weight() >= 0) || !Double.isFinite(m.weight())) {
                throw corrupt(file, "member " + i + " has weight " + m.weight() + ", not >= 0");
            }
            w[i] = m.weight();
            sum += w[i];
        }
        if (Math.abs(sum - 1) > SUM_TOLERANCE) {
            throw corrupt(file, "the weights sum to " + sum + ", not 1");
        }
        return w;
    }

    private static TaskFailure corrupt(Path file, String message) {
        return TaskFailure.invalid("CorruptModelFile", file + ": " + message);
    }
}
