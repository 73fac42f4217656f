package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.Condition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.analysis.MetricsEndpoint;
import io.mlcycle.operator.analysis.ScrapedServing;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.testing.Cluster;
import io.mlcycle.operator.testing.TestClock;
import io.mlcycle.testing.RealServersTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.markReady;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.precisionAnalysis;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveTask;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.servingDeployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.closeAll;
import static io.mlcycle.operator.testing.Cluster.condition;
import static io.mlcycle.operator.testing.Cluster.events;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The request log seen by the analysis: a real Prometheus scrapes a serving-metrics endpoint whose
 * request-log row counters the test drives; lost rows turn RequestLogHealthy False with the counts,
 * and rounds without any turn it True again.
 */
@RealServersTier
@QuarkusTest
class ModelDeploymentRequestLogIT {

    private static final String NAME = "md-reqlog";
    private static final String MODEL = "m-reqlog";
    private static final String URI = "file:///data/request-logs/md-reqlog/";
    private static final Duration INTERVAL = Duration.ofSeconds(5);
    private static final Pattern COUNTS = Pattern.compile("(\\d+) failed .*, (\\d+) dropped");

    @Inject KubernetesClient client;
    @Inject TestClock clock;

    private ScrapedServing served;

    @AfterEach
    void stopAll() throws Exception {
        closeAll(served);
    }

    private static boolean healthy(ModelDeployment m, String value) {
        return Cluster.conditionIs(m.getStatus(), RequestLogHealth.TYPE, value);
    }

    /**
     * Waits up to 60 s until RequestLogHealthy has {@code value}; on time-out shows the resource.
     */
    private ModelDeployment awaitHealthy(String value) {
        return Cluster.awaitResource(
                client,
                ModelDeployment.class,
                NAME,
                Duration.ofSeconds(60),
                m -> healthy(m, value));
    }

    private Instant lastRun() {
        return Instant.parse(
                client.resources(ModelDeployment.class)
                        .inNamespace(NS)
                        .withName(NAME)
                        .get()
                        .getStatus()
                        .analysis
                        .lastRun);
    }

    @Test
    void lostRowsOfTheServedVersionTurnRequestLogHealthyFalseWithTheCountsThenTrueAgain()
            throws Exception {
        served =
                ScrapedServing.start(
                        m -> {
                            for (String outcome : List.of("logged", "dropped", "failed")) {
                                m.set(MetricsEndpoint.requestLogRows(NAME, 2, outcome), 0);
                            }
                        });
        version(client, MODEL, 1, true);
        version(client, MODEL, 2, true);
        ModelDeployment md = deployment(NAME, MODEL);
        // the precision metric has no data (inconclusive, never a rollback): only the log acts
        md.getSpec().rollback =
                precisionAnalysis(served.prometheusUrl(), INTERVAL.toSeconds() + "s", 2);
        md.getSpec().requestLog = new ModelDeploymentSpec.RequestLog();
        md.getSpec().requestLog.uri = URI;
        client.resource(md).create();
        await("the serving Deployment of version 2")
                .atMost(Duration.ofSeconds(30))
                .until(
                        () -> servingDeployment(client, NAME),
                        d -> d != null && serveTask(d).version() == 2);
        markReady(client, NAME);
        ModelDeployments.tickAnalysis(served.ticker(), client, clock, NAME, INTERVAL);

        // rows logged, none lost: True
        ScheduledFuture<?> logging =
                served.ticker()
                        .scheduleAtFixedRate(
                                () ->
                                        served.metrics()
                                                .add(
                                                        MetricsEndpoint.requestLogRows(
                                                                NAME, 2, "logged"),
                                                        10),
                                0,
                                250,
                                TimeUnit.MILLISECONDS);
        ModelDeployment writing = awaitHealthy("True");
        assertThat(condition(writing.getStatus(), RequestLogHealth.TYPE).orElseThrow().getReason())
                .isEqualTo("RequestLogWriting");

        // the pods' writes fail and their queues overflow: False, with the counts and the URI
        ScheduledFuture<?> losing =
                served.ticker()
                        .scheduleAtFixedRate(
                                () -> {
                                    served.metrics()
                                            .add(
                                                    MetricsEndpoint.requestLogRows(
                                                            NAME, 2, "failed"),
                                                    3);
                                    served.metrics()
                                            .add(
                                                    MetricsEndpoint.requestLogRows(
                                                            NAME, 2, "dropped"),
                                                    1);
                                },
                                0,
                                250,
                                TimeUnit.MILLISECONDS);
        ModelDeployment failing = awaitHealthy("False");
        Condition c = condition(failing.getStatus(), RequestLogHealth.TYPE).orElseThrow();
        assertThat(c.getReason()).isEqualTo("RequestLogFailing");
        assertThat(c.getMessage()).contains(URI).contains("of version 2").contains("last 5s");
        Matcher counts = COUNTS.matcher(c.getMessage());
        assertThat(counts.find()).as(c.getMessage()).isTrue();
        assertThat(Long.parseLong(counts.group(1))).isPositive();
        assertThat(Long.parseLong(counts.group(2))).isPositive();
        assertThat(serveTask(servingDeployment(client, NAME)).version()).isEqualTo(2);

        // still losing two rounds later: still False, and the turn was told once
        Instant since = lastRun();
        await("two more analysis rounds of " + NAME)
                .atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200))
                .until(this::lastRun, t -> !t.isBefore(since.plus(INTERVAL.multipliedBy(2))));
        assertThat(
                        healthy(
                                client.resources(ModelDeployment.class)
                                        .inNamespace(NS)
                                        .withName(NAME)
                                        .get(),
                                "False"))
                .isTrue();
        assertThat(events(client, NAME))
                .filteredOn(e -> "RequestLogFailing".equals(e.getReason()))
                .singleElement()
                .satisfies(
                        e -> {
                            assertThat(e.getType()).isEqualTo("Warning");
                            assertThat(e.getMessage()).contains(URI).contains("failed");
                            assertThat(e.getCount()).isEqualTo(1);
                        });

        // the losses stop: a round that sees none sets it True again and tells so
        losing.cancel(false);
        ModelDeployment recovered = awaitHealthy("True");
        assertThat(
                        condition(recovered.getStatus(), RequestLogHealth.TYPE)
                                .orElseThrow()
                                .getMessage())
                .contains("no request-log rows of version 2 failed or dropped");
        assertThat(events(client, NAME))
                .anySatisfy(e -> assertThat(e.getReason()).isEqualTo("RequestLogRecovered"));
        assertThat(recovered.getStatus().rollbacks).isEmpty();
        logging.cancel(false);
    }
}
