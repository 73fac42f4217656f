package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mlcycle.operator.api.PodOverrides;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.featureview.SparkApplications;
import io.mlcycle.task.Task;

import java.util.List;

/**
 * What {@link CanaryRollout} and {@link BatchScoring} act through: the rolled-back mark, the
 * rollback analysis, its Prometheus queries and rollback recorder, Events, the runtime Job builder
 * and reader, the batch Jobs' informer, the Spark engine (its informer null when the engine is not
 * available) and the client.
 */
record ServingContext(
        KubernetesClient client,
        RuntimeJobs runtimeJobs,
        JobResults jobResults,
        EventRecorder events,
        ServingWriter writer,
        RollbackAnalysis analysis,
        AnalysisQueries queries,
        RollbackRecorder rollbacks,
        InformerEventSource<Job, ModelDeployment> jobs,
        OperatorConfig config,
        SparkApplications sparkApplications,
        InformerEventSource<GenericKubernetesResource, ModelDeployment> sparkRuns) {

    /** A Job of {@code md} from the informer cache, or from the API when the cache lacks it yet. */
    Job job(ModelDeployment md, String name) {
        String ns = md.getMetadata().getNamespace();
        return jobs.get(new ResourceID(name, ns))
                .orElseGet(() -> client.batch().v1().jobs().inNamespace(ns).withName(name).get());
    }

    /**
     * Creates the server runtime's Job {@code name} for {@code task} unless it exists, with the
     * deployment's resources and pod overrides and {@code extraEnv} (a catalog's credentials); true
     * when it created it.
     */
    boolean createServerJob(
            ModelDeployment md,
            String name,
            Task task,
            int backoffLimit,
            String activeDeadline,
            String deadlineField,
            List<EnvVar> extraEnv) {
        if (job(md, name) != null) {
            return false;
        }
        Job job =
                runtimeJobs.job(
                        md,
                        name,
                        RuntimeJobs.Runtime.server,
                        task,
                        backoffLimit,
                        activeDeadline,
                        deadlineField,
                        extraEnv,
                        md.getSpec().resources);
        PodOverrides.apply(md.getSpec().pod, job.getSpec().getTemplate());
        client.batch()
                .v1()
                .jobs()
                .inNamespace(md.getMetadata().getNamespace())
                .resource(job)
                .create();
        return true;
    }
}
