package io.mlcycle.operator.featureview;

import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.featureview.FeatureViewSpec;
import io.mlcycle.operator.api.featureview.FeatureViewStatus;
import io.mlcycle.operator.api.featureview.IcebergCatalog;
import io.mlcycle.operator.api.featureview.StoreFormat;
import io.mlcycle.operator.common.JobResults;
import io.mlcycle.operator.testing.Kubelet;
import io.mlcycle.operator.testing.TestClock;
import io.mlcycle.task.PivotTask;
import io.mlcycle.task.Summary;
import io.mlcycle.testing.MockApiTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.assertCondition;
import static io.mlcycle.operator.testing.Cluster.assertControlledBy;
import static io.mlcycle.operator.testing.Cluster.awaitCondition;
import static io.mlcycle.operator.testing.Cluster.awaitEvent;
import static io.mlcycle.operator.testing.Cluster.awaitJob;
import static io.mlcycle.operator.testing.Cluster.awaitPhase;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.condition;
import static io.mlcycle.operator.testing.Cluster.conditionIs;
import static io.mlcycle.operator.testing.Cluster.edit;
import static io.mlcycle.operator.testing.Cluster.events;
import static io.mlcycle.operator.testing.Cluster.hasEvent;
import static io.mlcycle.operator.testing.Cluster.jobs;
import static io.mlcycle.operator.testing.Cluster.poke;
import static io.mlcycle.operator.testing.Fixtures.featureView;
import static io.mlcycle.operator.testing.Fixtures.pivotSucceeded;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

@MockApiTier
@QuarkusTest
class FeatureViewLifecycleTest {

    @Inject KubernetesClient client;
    @Inject TestClock clock;

    @Test
    void materializesOnceAndCopiesThePodSummaryIntoStatus() {
        FeatureView fv = featureView("fv-once", "2026-11-18");
        fv = client.resource(fv).create();

        Job job = awaitJob(client, "fv-once-pivot-20261118-1");
        assertControlledBy(job, fv);
        assertThat(job.getMetadata().getLabels())
                .containsEntry("mlcycle.io/runtime", "pivot")
                .containsEntry("mlcycle.io/featureview", "fv-once")
                .containsEntry("app.kubernetes.io/managed-by", "mlcycle");
        var pod = job.getSpec().getTemplate().getSpec();
        assertThat(pod.getRestartPolicy()).isEqualTo("Never");
        assertThat(pod.getContainers().get(0).getTerminationMessagePolicy())
                .isEqualTo("FallbackToLogsOnError");
        assertThat(
                        job.getSpec()
                                .getPodFailurePolicy()
                                .getRules()
                                .get(0)
                                .getOnExitCodes()
                                .getValues())
                .containsExactly(2, 3, 4);
        PivotTask task = (PivotTask) Kubelet.task(job);
        assertThat(task.asOf()).isEqualTo("2026-11-18");
        assertThat(task.window()).isEqualTo(new PivotTask.Window("2026-11-11", "2026-11-18"));
        assertThat(task.filters().where()).isEqualTo("channel <> 'test'");
        assertThat(task.store().uri()).isEqualTo("file:///data/features/fv-once/");
        assertThat(task.validation().minEntities()).isEqualTo(10);
        assertThat(task.owner().name()).isEqualTo("fv-once");

        new Kubelet(client)
                .finish(
                        job,
                        pivotSucceeded(
                                "file:///data/features/fv-once/asOf=2026-11-18/", 1200, 340));

        FeatureView done = awaitPhase(client, "fv-once", FeatureViewStatus.Phase.Ready);
        FeatureViewStatus status = done.getStatus();
        assertThat(status.latest.asOf).isEqualTo("2026-11-18");
        assertThat(status.latest.entities).isEqualTo(1200L);
        assertThat(status.latest.features).isEqualTo(340L);
        assertThat(status.latest.sparsity).isEqualTo(0.99);
        assertThat(status.latest.uri).isEqualTo("file:///data/features/fv-once/asOf=2026-11-18/");
        assertThat(status.history).hasSize(1);
        assertThat(conditionIs(status, "Ready", "True")).isTrue();
        assertThat(conditionIs(status, "Progressing", "False")).isTrue();
        assertThat(conditionIs(status, "Degraded", "False")).isTrue();
        awaitEvent(client, "fv-once", "Materialized");
        assertThat(hasEvent(client, "fv-once", "MaterializationStarted")).isTrue();

        // A repeated reconcile creates no second Job for the same spec.
        poke(client, FeatureView.class, "fv-once");
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(jobs(client, "mlcycle.io/featureview", "fv-once")).hasSize(1);
    }

    @Test
    void finishedMaterializationLeavesActiveAndIsToldOnceWhateverReconcilesFollow() {
        clock.set(Instant.parse("2026-11-20T12:00:00Z"));
        FeatureView fv = featureView("fv-told-once", "2026-11-18");
        client.resource(fv).create();
        Job job = awaitJob(client, "fv-told-once-pivot-20261118-1");
        FeatureViewStatus beforeFinish =
                awaitResource(
                                client,
                                FeatureView.class,
                                "fv-told-once",
                                f -> f.getStatus() != null && f.getStatus().active.size() == 1)
                        .getStatus();
        new Kubelet(client)
                .finish(
                        job,
                        pivotSucceeded(
                                "file:///data/features/fv-told-once/asOf=2026-11-18/", 1200, 340));
        awaitPhase(client, "fv-told-once", FeatureViewStatus.Phase.Ready);

        // Further reconciles: annotation pokes and clock ticks.
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofMinutes(1));
            poke(client, FeatureView.class, "fv-told-once");
        }
        // A status that comes back as the copy from before the finish (a lost or re-merged
        // status write), listing the finished Job twice.
        beforeFinish.active.add(beforeFinish.active.get(0));
        client.resources(FeatureView.class)
                .inNamespace(NS)
                .withName("fv-told-once")
                .editStatus(
                        f -> {
                            f.setStatus(beforeFinish);
                            return f;
                        });
        for (int i = 0; i < 3; i++) {
            clock.advance(Duration.ofMinutes(1));
            poke(client, FeatureView.class, "fv-told-once");
        }
        awaitResource(
                client,
                FeatureView.class,
                "fv-told-once",
                f ->
                        f.getStatus() != null
                                && f.getStatus().active.isEmpty()
                                && f.getStatus().phase == FeatureViewStatus.Phase.Ready);
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);

        FeatureViewStatus status =
                client.resources(FeatureView.class)
                        .inNamespace(NS)
                        .withName("fv-told-once")
                        .get()
                        .getStatus();
        assertThat(status.active).isEmpty();
        assertThat(status.latest.job).isEqualTo("fv-told-once-pivot-20261118-1");
        assertThat(status.history)
                .singleElement()
                .satisfies(h -> assertThat(h.job).isEqualTo("fv-told-once-pivot-20261118-1"));
        assertThat(conditionIs(status, "Progressing", "False")).isTrue();
        assertThat(
                        events(client, "fv-told-once").stream()
                                .filter(e -> "Materialized".equals(e.getReason()))
                                .filter(e -> e.getMessage().startsWith("as-of 2026-11-18"))
                                .toList())
                .singleElement()
                .satisfies(e -> assertThat(e.getCount()).isEqualTo(1));
        assertThat(jobs(client, "mlcycle.io/featureview", "fv-told-once")).hasSize(1);
    }

    @Test
    void failedJobMakesTheViewDegradedWithThePodReason() {
        FeatureView fv = featureView("fv-fails", "2026-11-18");
        client.resource(fv).create();
        Job job = awaitJob(client, "fv-fails-pivot-20261118-1");
        new Kubelet(client)
                .finish(
                        job,
                        Summary.failure(
                                Summary.Outcome.Invalid,
                                "MissingColumn",
                                "source has no column 'cnt' (pivot.value)"));
        FeatureView failed = awaitPhase(client, "fv-fails", FeatureViewStatus.Phase.Failed);
        assertCondition(failed.getStatus(), "Degraded", "True", "MissingColumn")
                .contains("pivot.value");
        assertThat(failed.getStatus().latest).isNull();
        awaitEvent(client, "fv-fails", "MaterializationFailed");
    }

    @Test
    void jobFailedWithoutPodMessageReportsTheJobReason() {
        FeatureView fv = featureView("fv-nopod", "2026-11-18");
        client.resource(fv).create();
        Job job = awaitJob(client, "fv-nopod-pivot-20261118-1");
        new Kubelet(client)
                .failWithoutPod(job, "DeadlineExceeded", "Job was active longer than allowed");
        FeatureView failed =
                awaitCondition(client, FeatureView.class, "fv-nopod", "Degraded", "True");
        assertCondition(failed.getStatus(), "Degraded", "True", "DeadlineExceeded");
    }

    @Test
    void waitingForDataRetriesAfterThePollInterval() {
        clock.set(Instant.parse("2026-11-20T12:00:00Z"));
        FeatureView fv = featureView("fv-wait", "2026-11-19");
        client.resource(fv).create();
        Job first = awaitJob(client, "fv-wait-pivot-20261119-1");
        new Kubelet(client)
                .finish(
                        first,
                        new Summary(
                                Summary.Outcome.WaitingForData,
                                "WaitingForData",
                                "1 of 7 partitions not ready (no _SUCCESS marker):"
                                        + " file:///data/raw/item-events/dt=2026-11-18/",
                                null,
                                null,
                                Map.of("details", List.of("2026-11-18"))));
        FeatureView waiting = awaitPhase(client, "fv-wait", FeatureViewStatus.Phase.WaitingForData);
        assertThat(condition(waiting.getStatus(), "WaitingForData").get().getMessage())
                .contains("dt=2026-11-18");
        assertThat(waiting.getStatus().waiting.get(0).nextAttemptAt)
                .isEqualTo("2026-11-20T12:10:00Z");

        clock.set(Instant.parse("2026-11-20T12:10:01Z"));
        poke(client, FeatureView.class, "fv-wait");
        Job second = awaitJob(client, "fv-wait-pivot-20261119-2");
        // the recorded wait leaves no failed Job (and pod) behind per poll
        await().atMost(Duration.ofSeconds(10))
                .until(
                        () ->
                                client.batch()
                                                .v1()
                                                .jobs()
                                                .inNamespace(first.getMetadata().getNamespace())
                                                .withName(first.getMetadata().getName())
                                                .get()
                                        == null);
        new Kubelet(client)
                .finish(
                        second,
                        pivotSucceeded("file:///data/features/fv-wait/asOf=2026-11-19/", 50, 7));
        FeatureView ready = awaitPhase(client, "fv-wait", FeatureViewStatus.Phase.Ready);
        assertThat(ready.getStatus().waiting).isEmpty();
        assertThat(conditionIs(ready.getStatus(), "WaitingForData", "False")).isTrue();
    }

    @Test
    void validationFailureKeepsTheLastGoodTable() {
        clock.set(Instant.parse("2026-11-20T12:00:00Z"));
        FeatureView fv = featureView("fv-valid", "2026-11-17");
        fv = client.resource(fv).create();
        Job first = awaitJob(client, "fv-valid-pivot-20261117-1");
        new Kubelet(client)
                .finish(
                        first,
                        pivotSucceeded("file:///data/features/fv-valid/asOf=2026-11-17/", 80, 9));
        awaitResource(
                client,
                FeatureView.class,
                "fv-valid",
                f -> f.getStatus() != null && f.getStatus().latest != null);

        edit(
                client,
                FeatureView.class,
                "fv-valid",
                f -> {
                    f.getSpec().asOf = "2026-11-18";
                    return f;
                });
        Job second = awaitJob(client, "fv-valid-pivot-20261118-1");
        new Kubelet(client)
                .finish(
                        second,
                        Summary.failure(
                                Summary.Outcome.ValidationFailed,
                                "TooFewEntities",
                                "3 entities, validation.minEntities is 10"));
        FeatureView after =
                awaitCondition(client, FeatureView.class, "fv-valid", "ValidationFailed", "True");
        assertThat(condition(after.getStatus(), "ValidationFailed").get().getMessage())
                .contains("minEntities");
        assertThat(after.getStatus().latest.asOf).isEqualTo("2026-11-17");
        assertThat(conditionIs(after.getStatus(), "Ready", "True")).isTrue();
        awaitEvent(client, "fv-valid", "ValidationFailed");
    }

    @Test
    void invalidSpecNamesTheFieldAndStartsNoJob() {
        FeatureView fv = featureView("fv-invalid");
        fv.getSpec().backfill = new FeatureViewSpec.Backfill();
        fv.getSpec().backfill.from = "2026-11-10";
        fv.getSpec().backfill.to = "2026-11-01";
        client.resource(fv).create();
        FeatureView invalid =
                awaitCondition(client, FeatureView.class, "fv-invalid", "InvalidSpec", "True");
        assertThat(condition(invalid.getStatus(), "InvalidSpec").get().getMessage())
                .contains("spec.backfill.from");
        assertThat(jobs(client, "mlcycle.io/featureview", "fv-invalid")).isEmpty();
        awaitEvent(client, "fv-invalid", "InvalidSpec");
    }

    @Test
    void aRestCatalogOverPlainHttpOutsideTheClusterIsAnInvalidSpecAndStartsNoJob() {
        FeatureView fv = featureView("fv-rest-http");
        fv.getSpec().store.format = StoreFormat.iceberg;
        fv.getSpec().store.catalog = new IcebergCatalog();
        fv.getSpec().store.catalog.type = IcebergCatalog.Type.rest;
        fv.getSpec().store.catalog.uri = "http://203.0.113.7:8181/catalog";
        client.resource(fv).create();
        FeatureView invalid =
                awaitCondition(client, FeatureView.class, "fv-rest-http", "InvalidSpec", "True");
        assertThat(condition(invalid.getStatus(), "InvalidSpec").get().getMessage())
                .startsWith("spec.store.catalog.uri: plain http to host '203.0.113.7'")
                .contains("spec.store.catalog.allowPlainHttp: true");
        assertThat(jobs(client, "mlcycle.io/featureview", "fv-rest-http")).isEmpty();
    }

    @Test
    void aSecondViewNamingAnotherViewsStoreIsRefusedAndTheFirstKeepsIt() {
        FeatureView first = featureView("fv-store-first", "2026-11-18");
        client.resource(first).create();
        awaitJob(client, "fv-store-first-pivot-20261118-1");
        FeatureView second = featureView("fv-store-second", "2026-11-18");
        // the same directory, spelled differently
        second.getSpec().store.uri = "file:/data/features/fv-store-first";
        client.resource(second).create();

        FeatureView refused = awaitPhase(client, "fv-store-second", FeatureViewStatus.Phase.Failed);
        assertCondition(refused.getStatus(), "Degraded", "True", "StoreConflict")
                .contains("spec.store.uri file:/data/features/fv-store-first")
                .contains("FeatureView " + NS + "/fv-store-first");
        assertThat(jobs(client, "mlcycle.io/featureview", "fv-store-second")).isEmpty();
        awaitEvent(client, "fv-store-second", "StoreConflict");
        assertThat(
                        condition(
                                        client.resources(FeatureView.class)
                                                .inNamespace(NS)
                                                .withName("fv-store-first")
                                                .get()
                                                .getStatus(),
                                        "Degraded")
                                .map(c -> c.getReason()))
                .isNotEqualTo(java.util.Optional.of("StoreConflict"));
    }

    @Test
    void unparseableCronIsAnInvalidSpec() {
        FeatureView fv = featureView("fv-badcron");
        fv.getSpec().schedule = "0 25 * * *";
        client.resource(fv).create();
        FeatureView invalid =
                awaitCondition(client, FeatureView.class, "fv-badcron", "InvalidSpec", "True");
        assertThat(condition(invalid.getStatus(), "InvalidSpec").get().getMessage())
                .contains("spec.schedule");
    }

    @Test
    void scheduleFiresWhenTheClockPassesTheFireTime() {
        clock.set(Instant.parse("2026-11-20T12:00:00Z"));
        FeatureView fv = featureView("fv-cron");
        fv.getSpec().schedule = "0 10 * * *";
        client.resource(fv).create();
        awaitResource(
                client,
                FeatureView.class,
                "fv-cron",
                f -> f.getStatus() != null && f.getStatus().lastScheduleTime != null);
        assertThat(jobs(client, "mlcycle.io/featureview", "fv-cron")).isEmpty();

        clock.set(Instant.parse("2026-11-21T10:00:05Z"));
        poke(client, FeatureView.class, "fv-cron");
        Job job = awaitJob(client, "fv-cron-pivot-20261121-1");
        assertThat(((PivotTask) Kubelet.task(job)).window().from()).isEqualTo("2026-11-14");
        FeatureView fired =
                awaitResource(
                        client,
                        FeatureView.class,
                        "fv-cron",
                        f -> "2026-11-21T10:00:00Z".equals(f.getStatus().lastScheduleTime));
        assertThat(fired.getStatus().active).hasSize(1);
    }

    @Test
    void backfillRunsAtMostMaxConcurrentJobs() {
        clock.set(Instant.parse("2026-11-20T12:00:00Z"));
        FeatureView fv = featureView("fv-backfill");
        fv.getSpec().schedule = "@daily";
        fv.getSpec().maxConcurrent = 2;
        fv.getSpec().backfill = new FeatureViewSpec.Backfill();
        fv.getSpec().backfill.from = "2026-11-01";
        fv.getSpec().backfill.to = "2026-11-03";
        client.resource(fv).create();
        Job first = awaitJob(client, "fv-backfill-pivot-20261101-1");
        awaitJob(client, "fv-backfill-pivot-20261102-1");
        await().pollDelay(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(3)).until(() -> true);
        assertThat(jobs(client, "mlcycle.io/featureview", "fv-backfill")).hasSize(2);

        new Kubelet(client)
                .finish(
                        first,
                        pivotSucceeded("file:///data/features/fv-backfill/asOf=2026-11-01/", 5, 5));
        awaitJob(client, "fv-backfill-pivot-20261103-1");
        FeatureView status =
                awaitResource(
                        client,
                        FeatureView.class,
                        "fv-backfill",
                        f -> f.getStatus().backfill != null && f.getStatus().backfill.done);
        assertThat(status.getStatus().active).hasSize(2);
        assertThat(JobResults.state(first)).isEqualTo(JobResults.State.Running);
    }

    @Test
    void operatorThatLostItsStatusCreatesNoSecondJob() {
        FeatureView fv = featureView("fv-amnesia", "2026-11-18");
        client.resource(fv).create();
        awaitJob(client, "fv-amnesia-pivot-20261118-1");
        awaitResource(
                client,
                FeatureView.class,
                "fv-amnesia",
                f -> f.getStatus() != null && !f.getStatus().active.isEmpty());
        client.resources(FeatureView.class)
                .inNamespace(NS)
                .withName("fv-amnesia")
                .editStatus(
                        f -> {
                            f.setStatus(new FeatureViewStatus());
                            return f;
                        });
        FeatureView adopted =
                awaitResource(
                        client,
                        FeatureView.class,
                        "fv-amnesia",
                        f ->
                                f.getStatus() != null
                                        && f.getStatus().specHash != null
                                        && !f.getStatus().active.isEmpty());
        assertThat(adopted.getStatus().active.get(0).job).isEqualTo("fv-amnesia-pivot-20261118-1");
        assertThat(jobs(client, "mlcycle.io/featureview", "fv-amnesia")).hasSize(1);
    }

    @Test
    void operatorThatLostItsStatusAfterTheJobFinishedRecordsItsResultWithoutASecondJob() {
        // What a restart does when the operator dies between creating the Job and writing its
        // status, and the Job finishes before the new operator looks.
        FeatureView fv = featureView("fv-amnesia-done", "2026-11-18");
        client.resource(fv).create();
        Job job = awaitJob(client, "fv-amnesia-done-pivot-20261118-1");
        new Kubelet(client)
                .finish(
                        job,
                        pivotSucceeded(
                                "file:///data/features/fv-amnesia-done/asOf=2026-11-18/",
                                1200,
                                340));
        awaitPhase(client, "fv-amnesia-done", FeatureViewStatus.Phase.Ready);
        client.resources(FeatureView.class)
                .inNamespace(NS)
                .withName("fv-amnesia-done")
                .editStatus(
                        f -> {
                            f.setStatus(new FeatureViewStatus());
                            return f;
                        });

        FeatureView recorded =
                awaitResource(
                        client,
                        FeatureView.class,
                        "fv-amnesia-done",
                        f ->
                                f.getStatus() != null
                                        && f.getStatus().latest != null
                                        && f.getStatus().phase == FeatureViewStatus.Phase.Ready);
        assertThat(recorded.getStatus().latest.job).isEqualTo("fv-amnesia-done-pivot-20261118-1");
        assertThat(recorded.getStatus().latest.entities).isEqualTo(1200L);
        assertThat(recorded.getStatus().history).hasSize(1);
        assertThat(recorded.getStatus().active).isEmpty();
        assertThat(jobs(client, "mlcycle.io/featureview", "fv-amnesia-done")).hasSize(1);
    }
}
