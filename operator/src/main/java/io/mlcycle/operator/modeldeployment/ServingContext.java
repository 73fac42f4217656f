package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.common.RuntimeJobs;

/**
 * What {@link CanaryRollout} and {@link BatchScoring} act through: the rolled-back mark, the
 * rollback analysis, its Prometheus queries and rollback recorder, Events, the runtime Job builder
 * and reader, the batch Jobs' informer and the client.
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
        InformerEventSource<Job, ModelDeployment> jobs) {}
