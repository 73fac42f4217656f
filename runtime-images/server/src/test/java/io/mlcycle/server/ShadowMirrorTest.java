package io.mlcycle.server;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.common.SparseTables;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A champion server mirrors requests to a shadow challenger server (both real, in-process, on
 * loopback): the challenger scores the same rows under the champion's prediction ids, feedback
 * posted later to the champion reaches both, and the caller's answer never depends on the
 * challenger.
 */
@UnitTier
class ShadowMirrorTest {

    private final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : open) {
            c.close();
        }
    }

    private InferenceServer server(int version, Map<String, String> env) throws IOException {
        InferenceServer s = TestModels.started(version, env);
        open.add(s);
        return s;
    }

    private static Map<String, String> mirrorTo(String url) {
        return Map.of(
                ShadowMirror.URL_ENV,
                url,
                ShadowMirror.PERCENT_ENV,
                "100",
                ShadowMirror.VERSION_ENV,
                "4");
    }

    /** Waits up to 10 s for {@code condition}: the mirror sends in the background. */
    private static void eventually(BooleanSupplier condition) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            assertThat(System.nanoTime()).as("condition met within 10 s").isLessThan(end);
            Thread.sleep(50);
        }
    }

    private static List<String> ids(JsonNode answer) {
        List<String> ids = new ArrayList<>();
        OipMessages.output(answer, "prediction_id").get("data").forEach(n -> ids.add(n.asText()));
        return ids;
    }

    @Test
    void mirroredPredictionsAreScoredByTheChallengerAndLaterFeedbackIsJoinedToBothAsPairs()
            throws Exception {
        InferenceServer challenger = server(4, Map.of());
        InferenceServer champion = server(3, mirrorTo("http://127.0.0.1:" + challenger.port()));
        InferenceServer alone = server(3, Map.of());
        Http toChampion = new Http(champion.port());
        Http toChallenger = new Http(challenger.port());

        List<SparseTables.Row> rows = TestModels.rows(4, 7);
        String body = OipMessages.denseBody("req-1", rows);
        Http.Response answer = toChampion.post("/v2/models/churn/infer", body);
        assertThat(answer.status()).isEqualTo(200);
        // the caller's answer is what a server without a challenger gives, its id echoed
        JsonNode a = answer.json();
        JsonNode plain = new Http(alone.port()).post("/v2/models/churn/infer", body).json();
        assertThat(a.get("id").asText()).isEqualTo("req-1");
        assertThat(OipMessages.floats(OipMessages.output(a, "probability").get("data")))
                .containsExactly(
                        OipMessages.floats(OipMessages.output(plain, "probability").get("data")));

        eventually(() -> toChallenger.total("mlcycle_predictions_total", "version", "4") == 4);

        // delayed labels, posted to the champion only: row 0 right, row 1 wrong, the rest none
        List<String> ids = ids(a);
        int[] classes = new int[4];
        JsonNode cls = OipMessages.output(a, "class").get("data");
        for (int i = 0; i < 4; i++) {
            classes[i] = cls.get(i).asInt();
        }
        String fb =
                "{\"feedback\":[{\"prediction_id\":\""
                        + ids.get(0)
                        + "\",\"actual\":"
                        + classes[0]
                        + "},{\"prediction_id\":\""
                        + ids.get(1)
                        + "\",\"actual\":"
                        + (1 - classes[1])
                        + "}]}";
        JsonNode accepted = toChampion.post("/v2/models/churn/feedback", fb).json();
        assertThat(accepted.get("accepted").asInt()).isEqualTo(2);

        String p0 = String.valueOf(classes[0]);
        String p1 = String.valueOf(classes[1]);
        assertThat(
                        toChampion.total(
                                "mlcycle_mirrored_feedback_total",
                                "challenger",
                                "4",
                                "predicted",
                                p0,
                                "actual",
                                p0))
                .isGreaterThanOrEqualTo(1);
        assertThat(
                        toChampion.total(
                                "mlcycle_mirrored_feedback_total",
                                "challenger",
                                "4",
                                "predicted",
                                p1,
                                "actual",
                                String.valueOf(1 - classes[1])))
                .isGreaterThanOrEqualTo(1);
        // the challenger counts the same two labels against its own predictions of those rows
        eventually(() -> toChallenger.total("mlcycle_feedback_total", "version", "4") == 2);
        // and pairs them with the champion's predictions of the same requests: the same model
        // on both sides, so row 0 is right for both and row 1 wrong for both
        assertThat(toChallenger.total("mlcycle_shadow_pairs_total", "outcome", "both_right"))
                .isEqualTo(1);
        assertThat(toChallenger.total("mlcycle_shadow_pairs_total", "outcome", "both_wrong"))
                .isEqualTo(1);
        assertThat(toChallenger.total("mlcycle_shadow_pairs_total", "outcome", "champion_only"))
                .isZero();
        assertThat(toChallenger.total("mlcycle_shadow_pairs_total", "outcome", "challenger_only"))
                .isZero();
        // a server that is nobody's challenger counts no pairs
        assertThat(toChampion.total("mlcycle_shadow_pairs_total")).isZero();
        // the same model on both sides: the challenger predicted what the champion did
        assertThat(
                        toChallenger.total(
                                "mlcycle_feedback_total",
                                "version",
                                "4",
                                "predicted",
                                p0,
                                "actual",
                                p0))
                .isGreaterThanOrEqualTo(1);
        assertThat(toChampion.total("mlcycle_mirror_total", "kind", "feedback", "outcome", "sent"))
                .isEqualTo(1);
        // a label posted twice is a duplicate at the champion and is not forwarded again
        JsonNode again = toChampion.post("/v2/models/churn/feedback", fb).json();
        assertThat(again.get("duplicate").size()).isEqualTo(2);
        assertThat(toChampion.total("mlcycle_mirror_total", "kind", "feedback", "outcome", "sent"))
                .isEqualTo(1);
    }

    @Test
    void theChampionAnswersEveryRequestWhenTheChallengerIsDownOrHangsAndCountsWhatItDropped()
            throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        InferenceServer toDown = server(3, mirrorTo("http://127.0.0.1:" + closedPort));
        // a challenger that accepts connections and never answers
        ServerSocket hanging = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        open.add(0, hanging);
        // the acceptor adds while the test may already be done: a synchronized list, iterated only
        // after the acceptor has stopped
        List<Socket> accepted = Collections.synchronizedList(new ArrayList<>());
        Thread acceptor =
                new Thread(
                        () -> {
                            try {
                                while (true) {
                                    accepted.add(hanging.accept());
                                }
                            } catch (IOException e) {
                                // closed by the test
                            }
                        });
        acceptor.setDaemon(true);
        acceptor.start();
        InferenceServer toHanging =
                server(3, mirrorTo("http://127.0.0.1:" + hanging.getLocalPort()));

        String body = OipMessages.denseBody("r", TestModels.rows(2, 3));
        Http down = new Http(toDown.port());
        Http hang = new Http(toHanging.port());
        for (int i = 0; i < 20; i++) {
            assertThat(down.post("/v2/models/churn/infer", body).status()).isEqualTo(200);
        }
        eventually(
                () ->
                        down.total("mlcycle_mirror_total", "kind", "infer", "outcome", "failed")
                                == 20);

        // the copies that fit: IN_FLIGHT waiting on the challenger, QUEUE queued
        int n = ShadowMirror.IN_FLIGHT + ShadowMirror.QUEUE + 200;
        for (int i = 0; i < n; i++) {
            assertThat(hang.post("/v2/models/churn/infer", body).status()).isEqualTo(200);
        }
        // IN_FLIGHT copies wait on the hanging challenger (2 s each, then fail and free their
        // place), QUEUE wait behind them: of the 200 that never fit, each was dropped or took the
        // place of one that failed, and every one was counted. How many were dropped rather than
        // queued behind a failure depends on how fast this machine sent them (exact drops are
        // proven with a challenger that holds its answers, in ShadowMirrorDeliveryTest)
        double dropped = hang.total("mlcycle_mirror_total", "kind", "infer", "outcome", "dropped");
        double failed = hang.total("mlcycle_mirror_total", "kind", "infer", "outcome", "failed");
        assertThat(dropped + failed).isGreaterThanOrEqualTo(200);
        assertThat(hang.total("mlcycle_mirror_total", "kind", "infer", "outcome", "sent")).isZero();
        hanging.close();
        acceptor.join(Duration.ofSeconds(10).toMillis());
        assertThat(acceptor.isAlive()).as("acceptor stopped after its socket closed").isFalse();
        for (Socket s : accepted) {
            s.close();
        }
    }

    @Test
    void aMirrorSettingThatIsNotUsableIsRefusedNamingTheVariable() {
        assertThatThrownBy(() -> server(3, Map.of(ShadowMirror.URL_ENV, "ftp://x")))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining(ShadowMirror.URL_ENV);
        assertThatThrownBy(
                        () ->
                                server(
                                        3,
                                        Map.of(
                                                ShadowMirror.URL_ENV,
                                                "http://127.0.0.1:1",
                                                ShadowMirror.PERCENT_ENV,
                                                "0")))
                .isInstanceOf(TaskFailure.class)
                .hasMessageContaining(ShadowMirror.PERCENT_ENV + " '0'");
    }
}
