package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modelversion.ModelVersion;
import io.mlcycle.operator.api.modelversion.ModelVersionSpec;
import io.mlcycle.task.ServeTask;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** Unit: the serving pods' task carries spec.requestLog with the CRD's defaults, or none. */
@UnitTier
class ServingRequestLogTest {

    private static ModelDeployment md(ModelDeploymentSpec.RequestLog log) {
        ModelDeployment md = new ModelDeployment();
        md.setMetadata(new ObjectMetaBuilder().withName("churn-prod").withNamespace("ns").build());
        md.setSpec(new ModelDeploymentSpec());
        md.getSpec().model = "churn";
        md.getSpec().requestLog = log;
        return md;
    }

    private static ModelVersion mv() {
        ModelVersion mv = new ModelVersion();
        mv.setMetadata(new ObjectMetaBuilder().withName("churn-v4").withNamespace("ns").build());
        mv.setSpec(new ModelVersionSpec());
        mv.getSpec().model = "churn";
        mv.getSpec().version = 4;
        mv.getSpec().artifactUri = "s3://models/churn/v4/";
        return mv;
    }

    @Test
    void aRequestLogWithOnlyItsUriGetsTheDeclaredDefaults() {
        ModelDeploymentSpec.RequestLog log = new ModelDeploymentSpec.RequestLog();
        log.uri = "s3://lake/request-logs/churn-prod/";
        ServeTask task = ServingResources.task(md(log), mv());
        assertThat(task.requestLog())
                .isEqualTo(
                        new ServeTask.RequestLog(
                                "s3://lake/request-logs/churn-prod/", 0.1, 16777216, 300, 10000));
        assertThat(((ServeTask) TaskJson.readTask(TaskJson.writeTask(task))).requestLog())
                .as("the task JSON the pod reads")
                .isEqualTo(task.requestLog());
    }

    @Test
    void settingsGivenAreKeptAndNoRequestLogMeansNone() {
        ModelDeploymentSpec.RequestLog log = new ModelDeploymentSpec.RequestLog();
        log.uri = "file:///data/logs/";
        log.sampleRate = 1.0;
        log.maxFileBytes = 4096L;
        log.maxAge = "2h";
        log.maxQueuedRows = 50;
        assertThat(ServingResources.task(md(log), mv()).requestLog())
                .isEqualTo(new ServeTask.RequestLog("file:///data/logs/", 1.0, 4096, 7200, 50));
        assertThat(ServingResources.task(md(null), mv()).requestLog()).isNull();
    }
}
