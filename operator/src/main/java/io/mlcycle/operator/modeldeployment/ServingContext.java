package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.common.EventRecorder;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.common.OperatorConfig;
import io.mlcycle.operator.common.RuntimeJobs;
import io.mlcycle.operator.featureview.SparkApplications;

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
        InformerEventSource<GenericKubernetesResource, ModelDeployment> sparkRuns) {}
