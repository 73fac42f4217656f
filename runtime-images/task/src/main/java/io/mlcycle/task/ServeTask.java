package io.mlcycle.task;

/**
 * A long-running serving process for one model version (Open Inference Protocol v2).
 *
 * @param deployment the ModelDeployment name, used as a metric label
 * @param artifactUri the trainer's output directory for this version
 * @param maxBodyBytes requests larger than this are refused with 413
 * @param maxRowsPerRequest requests with more rows are refused with 400
 * @param feedbackWindow how many recent predictions are kept for feedback
 */
public record ServeTask(
        Owner owner,
        String deployment,
        String model,
        int version,
        String artifactUri,
        int port,
        int maxBodyBytes,
        int maxRowsPerRequest,
        int feedbackWindow)
        implements Task {}
