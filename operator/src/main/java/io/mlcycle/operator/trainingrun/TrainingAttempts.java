package io.mlcycle.operator.trainingrun;

import com.fasterxml.jackson.core.type.TypeReference;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus;
import io.mlcycle.operator.api.trainingrun.TrainingRunStatus.Attempt;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.task.TaskJson;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static io.mlcycle.operator.trainingrun.TrainingRunReconciler.GENERATION_ANNOTATION;
import static io.mlcycle.operator.trainingrun.TrainingRunReconciler.INPUTS_ANNOTATION;
import static io.mlcycle.operator.trainingrun.TrainingRunReconciler.KEY_ANNOTATION;
import static io.mlcycle.operator.trainingrun.TrainingRunReconciler.TRIGGER_ANNOTATION;
import static io.mlcycle.operator.trainingrun.TrainingRunReconciler.VERSION_LABEL;

/**
 * Which of a run's owned Jobs or SparkApplications is its attempt (pure): the one started for a
 * training key, a running one the status lost, and the status that follows it.
 */
final class TrainingAttempts {

    private TrainingAttempts() {}

    /** The training Job started for this training key, if any (its status update may be lost). */
    static Optional<HasMetadata> withKey(List<HasMetadata> owned, String key) {
        return owned.stream()
                .filter(
                        j ->
                                j.getMetadata().getAnnotations() != null
                                        && key.equals(
                                                j.getMetadata()
                                                        .getAnnotations()
                                                        .get(KEY_ANNOTATION)))
                .findFirst();
    }

    /** A running training Job the status does not know (its status update was lost). */
    static Optional<HasMetadata> untracked(List<HasMetadata> owned, TrainingRunStatus status) {
        return owned.stream()
                .filter(j -> TrainingJobs.state(j) == JobResults.State.Running)
                .filter(
                        j ->
                                status.history.stream()
                                        .noneMatch(h -> j.getMetadata().getName().equals(h.job)))
                .findFirst();
    }

    /** Follows a Job as the active attempt, with the generation and inputs it trains. */
    static void adopt(TrainingRunStatus status, HasMetadata job) {
        Map<String, String> a =
                job.getMetadata().getAnnotations() == null
                        ? Map.of()
                        : job.getMetadata().getAnnotations();
        Attempt attempt = new Attempt();
        attempt.job = job.getMetadata().getName();
        attempt.version =
                Integer.valueOf(job.getMetadata().getLabels().getOrDefault(VERSION_LABEL, "0"));
        attempt.trigger = a.get(TRIGGER_ANNOTATION);
        attempt.startedAt = job.getMetadata().getCreationTimestamp();
        if (a.get(INPUTS_ANNOTATION) != null) {
            try {
                attempt.inputs =
                        TaskJson.MAPPER.readValue(
                                a.get(INPUTS_ANNOTATION),
                                new TypeReference<LinkedHashMap<String, String>>() {});
            } catch (java.io.IOException e) {
                attempt.inputs = null;
            }
        }
        status.active = attempt;
        if (a.get(GENERATION_ANNOTATION) != null) {
            status.trainedGeneration = Long.valueOf(a.get(GENERATION_ANNOTATION));
        }
        if (attempt.inputs != null) {
            status.trainedInputs = attempt.inputs;
        }
    }
}
