package io.mlcycle.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shadow mirror keeps up with its champion: concurrent kept-alive copies, each prediction's
 * feedback sent only after its inference copy was answered (checked per id at a fake challenger),
 * drops only when the challenger is slower than the traffic, each counted by reason, and a close
 * that drains or cuts off what is left and stops the mirror's thread.
 */
@UnitTier
class ShadowMirrorDeliveryTest {

    private static final byte[] ROW =
            OipMessages.denseBody("r", TestModels.rows(1, 5)).getBytes(StandardCharsets.UTF_8);

    private static double count(ServerMetrics metrics, String kind, String outcome, String reason)
            throws IOException {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        metrics.write(text);
        List<String> labels = new ArrayList<>(List.of("kind", kind, "outcome", outcome));
        if (reason != null) {
            labels.addAll(List.of("reason", reason));
        }
        return Http.total(
                text.toString(StandardCharsets.UTF_8),
                "mlcycle_mirror_total",
                Http.labels(labels.toArray(String[]::new)));
    }

    /** Messages of {@code kind} the mirror has counted as sent (answered 200). */
    private static double sent(ServerMetrics metrics, String kind) {
        try {
            return count(metrics, kind, "sent", "answered");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String id(int i) {
        return "0123456789ab-" + Long.toString(i, 36);
    }

    private static Set<Thread> mirrorThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("mlcycle-shadow-mirror"))
                .collect(Collectors.toSet());
    }

    private static ShadowMirror mirror(FakeChallenger to, ServerMetrics metrics) {
        return ShadowMirror.fromEnv(to.mirrorHere(), "churn", 10_000, metrics, TestModels.TOKEN);
    }

    /** One caller: a single-row request to the champion, then at once its label. */
    private static void predictThenLabel(Http champion) {
        JsonNode answer = champion.post("/v2/models/churn/infer", new String(ROW)).json();
        String id = OipMessages.output(answer, "prediction_id").get("data").get(0).asText();
        int cls = OipMessages.output(answer, "class").get("data").get(0).asInt();
        String fb = "{\"feedback\":[{\"prediction_id\":\"" + id + "\",\"actual\":" + cls + "}]}";
        assertThat(champion.post("/v2/models/churn/feedback", fb).json().get("accepted").asInt())
                .isEqualTo(1);
    }

    @Test
    void aFastChallengerReceivesEveryConcurrentCopyAndEachLabelOnlyAfterItsPrediction()
            throws Exception {
        int callers = 8;
        int each = 150;
        int n = callers * each;
        try (FakeChallenger challenger = new FakeChallenger(false);
                InferenceServer champion = TestModels.started(3, challenger.mirrorHere())) {
            Http http = new Http(champion.port());
            ExecutorService pool = Executors.newFixedThreadPool(callers);
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < callers; c++) {
                done.add(
                        pool.submit(
                                () -> {
                                    for (int i = 0; i < each; i++) {
                                        predictThenLabel(http);
                                    }
                                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
            ServerMetrics metrics = champion.metrics();
            // the challenger records before it answers, the champion counts once answered
            FakeChallenger.await(
                    "every copy and label at the challenger, and counted sent",
                    30,
                    () ->
                            challenger.labels().size() == n
                                    && sent(metrics, "infer") == n
                                    && sent(metrics, "feedback") == n,
                    () -> challenger.status() + "; " + sent(metrics, "infer") + " copies sent");

            assertThat(challenger.answered()).hasSize(n);
            assertThat(challenger.answered().values()).allMatch(c -> c.get() == 1);
            assertThat(challenger.labels().values()).allMatch(c -> c.get() == 1);
            assertThat(challenger.violations()).as("labels before their prediction").isEmpty();
            assertThat(challenger.authorizations()).containsOnly("Bearer " + TestModels.TOKEN);
            assertThat(count(metrics, "infer", "sent", "answered")).isEqualTo(n);
            assertThat(count(metrics, "feedback", "sent", "answered")).isEqualTo(n);
            assertThat(count(metrics, "infer", "dropped", null)).isZero();
            assertThat(count(metrics, "feedback", "dropped", null)).isZero();
            assertThat(count(metrics, "infer", "failed", null)).isZero();
        }
    }

    @Test
    void aChallengerSlowerThanTheTrafficMakesDropsCountedByReasonAndHeldLabelsWait()
            throws Exception {
        ServerMetrics metrics = new ServerMetrics("churn-prod", "churn", 3);
        try (FakeChallenger slow = new FakeChallenger(true)) {
            ShadowMirror mirror = mirror(slow, metrics);
            int fits = ShadowMirror.IN_FLIGHT + ShadowMirror.QUEUE;
            for (int i = 0; i < fits + 50; i++) {
                mirror.infer(ROW, null, id(i), 1);
            }
            // nothing answered yet: IN_FLIGHT wait at the challenger, QUEUE queued, 50 dropped
            assertThat(count(metrics, "infer", "dropped", "queue_full")).isEqualTo(50);
            // a label for a copy in flight waits; one for a dropped copy is dropped (counted once
            // the post is done with)
            mirror.feedback(
                    List.of(new FeedbackEntry(id(0), 1, 1), new FeedbackEntry(id(fits), 0, 1)));
            FakeChallenger.await(
                    "the first copies at the challenger",
                    10,
                    () -> slow.inferReceived() == ShadowMirror.IN_FLIGHT,
                    slow::status);
            assertThat(slow.labels()).as("the label waits for its prediction's answer").isEmpty();

            slow.release();
            FakeChallenger.await(
                    "the queued copies and the held label sent",
                    30,
                    () ->
                            slow.labels().size() == 1
                                    && sent(metrics, "infer") == fits
                                    && sent(metrics, "feedback") == 1,
                    () -> slow.status() + "; " + sent(metrics, "infer") + " copies sent");
            assertThat(slow.answered()).hasSize(fits);
            assertThat(slow.labels()).containsOnlyKeys(id(0));
            assertThat(count(metrics, "feedback", "dropped", "prediction_not_sent")).isEqualTo(1);
            assertThat(slow.violations()).isEmpty();
            assertThat(count(metrics, "infer", "sent", "answered")).isEqualTo(fits);
            assertThat(count(metrics, "feedback", "sent", "answered")).isEqualTo(1);
            assertThat(count(metrics, "infer", "failed", null)).isZero();
            mirror.close();
        }
    }

    @Test
    void theQueueHoldsAtMostItsBytesOfBigCopies() throws Exception {
        ServerMetrics metrics = new ServerMetrics("churn-prod", "churn", 3);
        byte[] big = new byte[1 << 20];
        try (FakeChallenger slow = new FakeChallenger(true)) {
            ShadowMirror mirror = mirror(slow, metrics);
            int fit = (int) (ShadowMirror.QUEUE_BYTES / big.length);
            for (int i = 0; i < ShadowMirror.IN_FLIGHT + fit + 5; i++) {
                mirror.infer(big, null, id(i), 1);
            }
            assertThat(count(metrics, "infer", "dropped", "queue_full")).isEqualTo(5);
            mirror.close();
        }
    }

    @Test
    void closeSendsWhatIsQueuedToAChallengerThatAnswersAndStopsTheMirrorThread() throws Exception {
        Set<Thread> before = mirrorThreads();
        ServerMetrics metrics = new ServerMetrics("churn-prod", "churn", 3);
        try (FakeChallenger fast = new FakeChallenger(false)) {
            ShadowMirror mirror = mirror(fast, metrics);
            for (int i = 0; i < 300; i++) {
                mirror.infer(ROW, null, id(i), 1);
            }
            // a grace no stall of a loaded machine reaches: this test is about what close sends,
            // the cut-off after the default grace is the next test's
            mirror.close(30_000, 60_000);
            assertThat(count(metrics, "infer", "sent", "answered")).isEqualTo(300);
            assertThat(fast.answered()).hasSize(300);
        }
        assertThat(mirrorThreads()).as("mirror threads left after close").isSubsetOf(before);
    }

    @Test
    void closeCutsOffCopiesAHangingChallengerHoldsCountsThemAndStopsTheMirrorThread()
            throws Exception {
        Set<Thread> before = mirrorThreads();
        ServerMetrics metrics = new ServerMetrics("churn-prod", "churn", 3);
        try (FakeChallenger hanging = new FakeChallenger(true)) {
            ShadowMirror mirror = mirror(hanging, metrics);
            for (int i = 0; i < 100; i++) {
                mirror.infer(ROW, null, id(i), 1);
            }
            long start = System.nanoTime();
            mirror.close();
            long millis = (System.nanoTime() - start) / 1_000_000;
            assertThat(millis)
                    .as("close cut the silent challenger off after its grace")
                    .isBetween(ShadowMirror.CLOSE_GRACE_MILLIS, ShadowMirror.CLOSE_MAX_MILLIS);
            assertThat(count(metrics, "infer", "dropped", "closing")).isEqualTo(100);
            assertThat(count(metrics, "infer", "sent", null)).isZero();
            assertThat(count(metrics, "infer", "failed", null)).isZero();
            // after close, a copy is dropped at once
            mirror.infer(ROW, null, id(100), 1);
            assertThat(count(metrics, "infer", "dropped", "closing")).isEqualTo(101);
        }
        assertThat(mirrorThreads()).as("mirror threads left after close").isSubsetOf(before);
    }
}
