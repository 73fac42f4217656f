package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.batch.v1.JobSpec;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyOnExitCodesRequirement;
import io.fabric8.kubernetes.api.model.batch.v1.PodFailurePolicyRule;

/** What the Job controller does after a pod ended: the Kubernetes rules, as a pure function. */
final class JobPolicy {

    /** The next step of a Job. */
    sealed interface Decision permits Complete, Fail, Retry {}

    /** The Job succeeded. */
    record Complete() implements Decision {}

    /** The Job failed for good. */
    record Fail(String reason, String message) implements Decision {}

    /** Start another pod; {@code counted}: the failure counts against backoffLimit. */
    record Retry(boolean counted) implements Decision {}

    private JobPolicy() {}

    /**
     * @param failedBefore failed pods counted so far (not including this one)
     */
    static Decision decide(JobSpec spec, String containerName, int exitCode, int failedBefore) {
        if (exitCode == 0) {
            return new Complete();
        }
        String action = matchingAction(spec, containerName, exitCode);
        if ("FailJob".equals(action)) {
            return new Fail(
                    "PodFailurePolicy",
                    "Container "
                            + containerName
                            + " for pod failed with exit code "
                            + exitCode
                            + " matching FailJob rule");
        }
        if ("Ignore".equals(action)) {
            return new Retry(false);
        }
        int backoffLimit =
                spec == null || spec.getBackoffLimit() == null ? 6 : spec.getBackoffLimit();
        int failed = failedBefore + 1;
        if (failed > backoffLimit) {
            return new Fail("BackoffLimitExceeded", "Job has reached the specified backoff limit");
        }
        return new Retry(true);
    }

    private static String matchingAction(JobSpec spec, String containerName, int exitCode) {
        if (spec == null || spec.getPodFailurePolicy() == null) {
            return null;
        }
        for (PodFailurePolicyRule rule : spec.getPodFailurePolicy().getRules()) {
            PodFailurePolicyOnExitCodesRequirement req = rule.getOnExitCodes();
            if (req == null) {
                continue;
            }
            if (req.getContainerName() != null && !req.getContainerName().equals(containerName)) {
                continue;
            }
            boolean listed = req.getValues() != null && req.getValues().contains(exitCode);
            boolean matches = "NotIn".equals(req.getOperator()) ? !listed : listed;
            if (matches) {
                return rule.getAction();
            }
        }
        return null;
    }
}
