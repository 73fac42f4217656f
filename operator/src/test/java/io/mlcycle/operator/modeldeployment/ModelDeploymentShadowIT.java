package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.operator.analysis.MetricsEndpoint;
import io.mlcycle.operator.analysis.ScrapedServing;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus.ShadowPhase;
import io.mlcycle.operator.testing.TestClock;
import io.mlcycle.testing.RealServersTier;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;

import static io.mlcycle.operator.modeldeployment.ModelDeployments.deployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.markReady;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveTask;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.serveVersionOne;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.servingDeployment;
import static io.mlcycle.operator.modeldeployment.ModelDeployments.version;
import static io.mlcycle.operator.testing.Cluster.NS;
import static io.mlcycle.operator.testing.Cluster.awaitResource;
import static io.mlcycle.operator.testing.Cluster.closeAll;
import static io.mlcycle.operator.testing.Cluster.events;
import static io.mlcycle.operator.testing.Cluster.hasEvent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Shadow challenger on the mock API server with a real Prometheus: it scrapes an endpoint holding
 * the champion's feedback on mirrored predictions and the challenger's feedback (the series the
 * servers export, see ShadowMirrorTest), which the test sets; the operator serves the challenger
 * beside the champion and promotes it only when it is better with enough labels.
 */
@RealServersTier
@QuarkusTest
class ModelDeploymentShadowIT {

    private static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Inject KubernetesClient client;
    @Inject TestClock clock;

    private ScrapedServing served;

    @AfterEach
    void stopAll() throws Exception {
        closeAll(served);
    }

    private ModelDeployment md(String name) {
        return client.resources(ModelDeployment.class).inNamespace(NS).withName(name).get();
    }

    private ModelDeployment awaitMd(String name, Predicate<ModelDeployment> until) {
        return await().atMost(WAIT)
                .pollInterval(Duration.ofMillis(100))
                .until(() -> md(name), m -> m != null && m.getStatus() != null && until.test(m));
    }

    /** Starts the metrics endpoint, a Prometheus scraping it, and the operator's clock. */
    private void start() throws IOException {
        served = ScrapedServing.start(m -> {});
        // a judgement each interval of the operator's clock, a few per second of the test's
        served.ticker()
                .scheduleWithFixedDelay(
                        () -> clock.advance(INTERVAL), 0, 300, TimeUnit.MILLISECONDS);
    }

    /** spec.rollback (Prometheus, a metric that always passes) and a shadow of {@code version}. */
    private ModelDeployment shadowed(String name, String model, int challenger, long minSamples) {
        ModelDeployment md = deployment(name, model);
        md.getSpec().rollback = new ModelDeploymentSpec.Rollback();
        md.getSpec().rollback.prometheus = new ModelDeploymentSpec.Prometheus();
        md.getSpec().rollback.prometheus.url = served.prometheusUrl();
        md.getSpec().rollback.interval = INTERVAL.toSeconds() + "s";
        ModelDeploymentSpec.Metric up = new ModelDeploymentSpec.Metric();
        up.name = "up";
        up.query = "vector(1)";
        up.min = 0.5;
        md.getSpec().rollback.metrics = List.of(up);
        md.getSpec().rollout = new ModelDeploymentSpec.Rollout();
        md.getSpec().rollout.shadow = new ModelDeploymentSpec.Shadow();
        md.getSpec().rollout.shadow.version = challenger;
        md.getSpec().rollout.shadow.percent = 25;
        md.getSpec().rollout.shadow.margin = 0.05;
        md.getSpec().rollout.shadow.minSamples = minSamples;
        return md;
    }

    /**
     * Labelled mirrored predictions: {@code right} of {@code n} right, on the champion's side
     * ({@code mlcycle_mirrored_feedback_total}) or the challenger's ({@code mlcycle_feedback_total}
     * of {@code <name>-shadow}).
     */
    private void labels(String name, boolean champion, int n, int right) {
        for (int p = 0; p <= 1; p++) {
            for (int a = 0; a <= 1; a++) {
                int count = p == a ? (p == 1 ? right / 2 : right - right / 2) : 0;
                if (p != a) {
                    count = p == 1 ? (n - right) / 2 : (n - right) - (n - right) / 2;
                }
                String series =
                        champion
                                ? "mlcycle_mirrored_feedback_total{deployment=\""
                                        + name
                                        + "\",version=\"1\",challenger=\"2\",predicted=\""
                                        + p
                                        + "\",actual=\""
                                        + a
                                        + "\"}"
                                : MetricsEndpoint.feedback(name + "-shadow", 2, p, a);
                served.metrics().set(series, count);
            }
        }
    }

    /** spec.rollout.shadow in mode sequential (alpha 0.05 by default), margin 0.01. */
    private static ModelDeployment sequential(ModelDeployment md) {
        md.getSpec().rollout.shadow.mode = ModelDeploymentSpec.JudgeMode.sequential;
        md.getSpec().rollout.shadow.margin = 0.01;
        return md;
    }

    /**
     * Adds {@code n} seeded labelled requests scored by both models to {@code counts} (both right,
     * only the champion, only the challenger, both wrong; both right 0.8 minus {@code
     * championOnly}) and publishes them as the challenger's {@code mlcycle_shadow_pairs_total}.
     */
    private void pairs(
            String name,
            SplittableRandom random,
            long[] counts,
            int n,
            double championOnly,
            double challengerOnly) {
        for (int i = 0; i < n; i++) {
            double u = random.nextDouble();
            counts[
                    u < championOnly
                            ? 1
                            : u < championOnly + challengerOnly ? 2 : u < 0.8 ? 0 : 3]++;
        }
        String[] outcomes = {"both_right", "champion_only", "challenger_only", "both_wrong"};
        for (int i = 0; i < outcomes.length; i++) {
            served.metrics()
                    .set(
                            "mlcycle_shadow_pairs_total{deployment=\""
                                    + name
                                    + "-shadow\",version=\"2\",outcome=\""
                                    + outcomes[i]
                                    + "\"}",
                            counts[i]);
        }
    }

    /** Serves version 1 in mode sequential (minSamples 100) and version 2 as its challenger. */
    private void startSequentialShadow(String name, String model) throws IOException {
        start();
        serveVersionOne(client, sequential(shadowed(name, model, 2, 100)), WAIT);
        version(client, model, 2, true);
        await().atMost(WAIT)
                .until(() -> servingDeployment(client, name + "-shadow"), d -> d != null);
    }

    /** Whether mode threshold (ShadowDecision.judge, margin 0.01) would promote on the counts. */
    private static boolean thresholdCallsBetter(long[] counts) {
        long n = counts[0] + counts[1] + counts[2] + counts[3];
        long champion = counts[0] + counts[1];
        long challenger = counts[0] + counts[2];
        return ShadowDecision.judge(
                                new ShadowDecision.Counts(champion, n - champion, 0, 0),
                                new ShadowDecision.Counts(challenger, n - challenger, 0, 0),
                                ModelDeploymentSpec.ShadowMetric.accuracy,
                                0.01,
                                100)
                        .verdict()
                == ShadowDecision.Verdict.Better;
    }

    /** The deployment once the shadow judge has judged {@code total} pairs, or promoted. */
    private ModelDeployment judgedOn(String name, long total) {
        return awaitResource(
                client,
                ModelDeployment.class,
                name,
                "with status.shadow judged on " + total + " pairs, or promoted",
                WAIT,
                m ->
                        m.getStatus() != null
                                && m.getStatus().shadow != null
                                && (m.getStatus().shadow.phase == ShadowPhase.Promoted
                                        || Long.valueOf(total)
                                                .equals(m.getStatus().shadow.challengerSamples)));
    }

    private static Map<String, String> env(Deployment d) {
        return d.getSpec().getTemplate().getSpec().getContainers().get(0).getEnv().stream()
                .filter(e -> e.getValue() != null)
                .collect(Collectors.toMap(EnvVar::getName, EnvVar::getValue));
    }

    @Test
    void aBetterChallengerServesBesideTheChampionAndIsPromotedOnlyAfterMinSamplesLabels()
            throws IOException {
        String name = "md-shadow-better";
        start();
        // accuracy 0.9 against 0.7, but only 20 labels of the 40 needed
        labels(name, true, 20, 14);
        labels(name, false, 20, 18);
        ModelDeployment md = shadowed(name, "m-shadow-better", 2, 40);
        serveVersionOne(client, md, WAIT);
        assertThat(md(name).getStatus().shadow).as("no version 2 yet").isNull();

        version(client, "m-shadow-better", 2, true);
        Deployment shadow =
                await().atMost(WAIT)
                        .until(() -> servingDeployment(client, name + "-shadow"), d -> d != null);
        assertThat(serveTask(shadow).version()).isEqualTo(2);
        assertThat(serveTask(shadow).deployment()).isEqualTo(name + "-shadow");
        assertThat(shadow.getSpec().getReplicas()).isEqualTo(1);
        Service service = client.services().inNamespace(NS).withName(name).get();
        // the workflow creates the shadow Deployment and Service side by side, in either order
        Service shadowService =
                await().alias("Service " + name + "-shadow")
                        .atMost(WAIT)
                        .until(
                                () ->
                                        client.services()
                                                .inNamespace(NS)
                                                .withName(name + "-shadow")
                                                .get(),
                                s -> s != null);
        var podLabels = shadow.getSpec().getTemplate().getMetadata().getLabels();
        // the deployment's Service never sends callers to the challenger; its own Service does
        assertThat(podLabels.entrySet().containsAll(service.getSpec().getSelector().entrySet()))
                .as("the deployment's Service selects the shadow pods")
                .isFalse();
        assertThat(podLabels).containsAllEntriesOf(shadowService.getSpec().getSelector());
        // the champion stays on version 1 (though latestApproved is 2) and mirrors 25 %
        Deployment champion =
                await().atMost(WAIT)
                        .until(
                                () -> servingDeployment(client, name),
                                d -> env(d).containsKey("MLCYCLE_SHADOW_URL"));
        assertThat(serveTask(champion).version()).isEqualTo(1);
        assertThat(env(champion))
                .containsEntry("MLCYCLE_SHADOW_URL", "http://" + name + "-shadow." + NS + ".svc")
                .containsEntry("MLCYCLE_SHADOW_PERCENT", "25")
                .containsEntry("MLCYCLE_SHADOW_VERSION", "2");
        assertThat(hasEvent(client, name, "ShadowStarted")).isTrue();

        ModelDeployment waiting =
                awaitMd(
                        name,
                        m ->
                                m.getStatus().shadow != null
                                        && "TooFewSamples".equals(m.getStatus().shadow.verdict)
                                        && Long.valueOf(20)
                                                .equals(m.getStatus().shadow.challengerSamples));
        var s = waiting.getStatus().shadow;
        assertThat(s.phase).isEqualTo(ShadowPhase.Running);
        assertThat(s.missingSamples).isEqualTo(20);
        assertThat(s.championValue).isEqualTo(0.7);
        assertThat(s.challengerValue).isEqualTo(0.9);
        assertThat(s.message).contains("20 labels missing");
        assertThat(serveTask(servingDeployment(client, name)).version()).isEqualTo(1);

        // more labels arrive: 50 on each side, the challenger still better by 0.2
        labels(name, true, 50, 35);
        labels(name, false, 50, 45);
        ModelDeployment promoted =
                awaitMd(
                        name,
                        m ->
                                m.getStatus().shadow != null
                                        && m.getStatus().shadow.phase == ShadowPhase.Promoted);
        s = promoted.getStatus().shadow;
        assertThat(s.verdict).isEqualTo("Better");
        assertThat(s.championSamples).isEqualTo(50);
        assertThat(s.challengerValue).isEqualTo(0.9);
        assertThat(s.message).contains("promoted over version 1");
        Deployment stable =
                await().atMost(WAIT)
                        .until(
                                () -> servingDeployment(client, name),
                                d -> serveTask(d).version() == 2);
        assertThat(env(stable)).doesNotContainKey("MLCYCLE_SHADOW_URL");
        await().atMost(WAIT).until(() -> servingDeployment(client, name + "-shadow") == null);
        assertThat(hasEvent(client, name, "ShadowPromoted")).isTrue();
        markReady(client, name);
        ModelDeployment after = awaitMd(name, m -> m.getStatus().currentVersion == 2);
        assertThat(after.getStatus().shadow.phase).isEqualTo(ShadowPhase.Promoted);
    }

    @Test
    void aWorseChallengerIsNeverPromotedAndStaysAChallengerWithTheNumbersInStatus()
            throws IOException {
        String name = "md-shadow-worse";
        start();
        labels(name, true, 100, 80);
        labels(name, false, 100, 50);
        ModelDeployment md = shadowed(name, "m-shadow-worse", 2, 40);
        serveVersionOne(client, md, WAIT);
        version(client, "m-shadow-worse", 2, true);
        await().atMost(WAIT)
                .until(() -> servingDeployment(client, name + "-shadow"), d -> d != null);

        ModelDeployment rejected =
                awaitMd(
                        name,
                        m ->
                                m.getStatus().shadow != null
                                        && "NotBetter".equals(m.getStatus().shadow.verdict));
        Instant firstVerdict = Instant.parse(rejected.getStatus().shadow.lastRun);
        var s = rejected.getStatus().shadow;
        assertThat(s.phase).isEqualTo(ShadowPhase.Running);
        assertThat(s.championValue).isEqualTo(0.8);
        assertThat(s.challengerValue).isEqualTo(0.5);
        assertThat(s.missingSamples).isZero();
        assertThat(s.message).contains("does not beat the champion");
        assertThat(hasEvent(client, name, "ShadowRejected")).isTrue();

        // judged again and again: never promoted, the champion keeps serving and mirroring
        ModelDeployment later =
                awaitMd(
                        name,
                        m ->
                                m.getStatus().shadow != null
                                        && Instant.parse(m.getStatus().shadow.lastRun)
                                                .isAfter(
                                                        firstVerdict.plus(
                                                                INTERVAL.multipliedBy(3))));
        assertThat(later.getStatus().shadow.phase).isEqualTo(ShadowPhase.Running);
        assertThat(later.getStatus().shadow.verdict).isEqualTo("NotBetter");
        assertThat(later.getStatus().currentVersion).isEqualTo(1);
        Deployment champion = servingDeployment(client, name);
        assertThat(serveTask(champion).version()).isEqualTo(1);
        assertThat(env(champion)).containsEntry("MLCYCLE_SHADOW_VERSION", "2");
        assertThat(servingDeployment(client, name + "-shadow")).isNotNull();
        assertThat(events(client, name))
                .extracting(e -> e.getReason())
                .doesNotContain("ShadowPromoted");
        assertThat(
                        events(client, name).stream()
                                .filter(e -> "ShadowRejected".equals(e.getReason())))
                .as("told once")
                .hasSize(1);
    }

    @Test
    void inModeSequentialAnEqualChallengerIsNeverPromotedInTwentyFiveIntervalsWhereThresholdIs()
            throws IOException {
        String name = "md-shadow-seq-equal";
        startSequentialShadow(name, "m-shadow-seq-equal");

        // equal accuracy (0.8), one request in five right for one model only: 25 rounds of 100
        // labelled pairs, each judged at its own analysis interval
        SplittableRandom random = new SplittableRandom(37);
        long[] counts = new long[4];
        int thresholdWouldPromote = 0;
        Set<String> judgedAt = new TreeSet<>();
        for (int round = 1; round <= 25; round++) {
            pairs(name, random, counts, 100, 0.1, 0.1);
            var s = judgedOn(name, round * 100L).getStatus().shadow;
            assertThat(s.phase).as("round %d: %s", round, s.message).isEqualTo(ShadowPhase.Running);
            assertThat(s.verdict).as("round %d", round).isIn("Undecided", "NotBetter");
            assertThat(s.lower).as("round %d: %s", round, s.message).isLessThan(0);
            assertThat(s.rule).contains("alpha 0.05");
            judgedAt.add(s.lastRun);
            thresholdWouldPromote += thresholdCallsBetter(counts) ? 1 : 0;
        }
        assertThat(judgedAt).as("analysis intervals that judged a new round").hasSize(25);
        // the same counts judged by the threshold rule (mode threshold): promoted by chance
        System.out.println(
                "ModelDeploymentShadowIT: the threshold rule calls the equal challenger Better in "
                        + thresholdWouldPromote
                        + " of 25 rounds");
        assertThat(thresholdWouldPromote).as("rounds the threshold rule calls Better").isPositive();
        assertThat(md(name).getStatus().currentVersion).isEqualTo(1);
        assertThat(serveTask(servingDeployment(client, name)).version()).isEqualTo(1);
        assertThat(events(client, name))
                .extracting(e -> e.getReason())
                .doesNotContain("ShadowPromoted");
    }

    @Test
    void inModeSequentialABetterChallengerIsPromotedOnceBetterWithConfidenceAfterManyIntervals()
            throws IOException {
        String name = "md-shadow-seq-better";
        startSequentialShadow(name, "m-shadow-seq-better");

        // the challenger better by 5 points: 12 % of the requests only it gets right, 7 % only
        // the champion; 50 labelled pairs per round, each judged at its own analysis interval
        SplittableRandom random = new SplittableRandom(37);
        long[] counts = new long[4];
        Set<String> judgedAt = new TreeSet<>();
        Promotion promoted = null;
        for (int round = 1; round <= 40 && promoted == null; round++) {
            pairs(name, random, counts, 50, 0.07, 0.12);
            var s = judgedOn(name, round * 50L).getStatus().shadow;
            if (s.phase == ShadowPhase.Promoted) {
                promoted = new Promotion(round, s.verdict, s.lower, s.message);
            } else {
                assertThat(s.phase)
                        .as("round %d: %s", round, s.message)
                        .isEqualTo(ShadowPhase.Running);
                assertThat(s.verdict)
                        .as("round %d: %s", round, s.message)
                        .isEqualTo(round * 50 < 100 ? "TooFewSamples" : "Undecided");
                judgedAt.add(s.lastRun);
            }
        }
        assertThat(promoted).as("promoted within 40 rounds (2 000 labels)").isNotNull();
        System.out.println(
                "ModelDeploymentShadowIT: the 5-point better challenger promoted at round "
                        + promoted.round()
                        + " ("
                        + promoted.round() * 50
                        + " labels): "
                        + promoted.message());
        // the floor of 100 labels holds, and the judge waited for the evidence over many rounds
        assertThat(promoted.round()).as("rounds before the promotion").isGreaterThan(10);
        assertThat(judgedAt)
                .as("analysis intervals that judged it Undecided first")
                .hasSize(promoted.round() - 1);
        assertThat(promoted.verdict()).isEqualTo("Better");
        assertThat(promoted.lower()).as(promoted.message()).isGreaterThan(0);
        assertThat(promoted.message()).contains("promoted over version 1");
        awaitResource(
                client,
                Deployment.class,
                name,
                "serving version 2",
                WAIT,
                d -> serveTask(d).version() == 2);
        assertThat(hasEvent(client, name, "ShadowPromoted")).isTrue();
    }

    /** What status.shadow said at the round the challenger was promoted. */
    private record Promotion(int round, String verdict, Double lower, String message) {}
}
