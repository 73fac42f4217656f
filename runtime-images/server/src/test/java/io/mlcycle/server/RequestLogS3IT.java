package io.mlcycle.server;

import io.mlcycle.common.LocalS3;
import io.mlcycle.task.ServeTask;
import io.mlcycle.testing.RealServersTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A request log on S3 whose bucket is gone (a real S3 server, S3Proxy): every request is answered
 * and the rows of each file that cannot be published count as failed while the server runs.
 */
@RealServersTier
class RequestLogS3IT {

    @TempDir static Path root;
    static LocalS3 s3;

    private InferenceServer server;

    @BeforeAll
    static void start() throws Exception {
        s3 =
                LocalS3.startStorage(
                        root.resolve("s3"), "server-access", "server-secret-0b7e", "serving");
    }

    @AfterAll
    static void stop() throws Exception {
        LocalS3.closeStorage(s3);
    }

    @AfterEach
    void close() {
        if (server != null) {
            server.close();
        }
    }

    /** Waits until the server has counted failed rows; on time-out fails with its counters. */
    private void awaitFailedRows(int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (RequestLogs.rows(server, "failed") == 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(
                        "no failed request-log rows counted after "
                                + seconds
                                + " s: logged "
                                + RequestLogs.rows(server, "logged")
                                + ", dropped "
                                + RequestLogs.rows(server, "dropped"));
            }
            Thread.sleep(50);
        }
    }

    @Test
    void aMissingBucketNeverFailsARequestAndCountsEveryRowAsFailedWhileServing() throws Exception {
        // small files: each batch of rows closes a few, and each publish meets the missing bucket
        server =
                RequestLogs.start(
                        new ServeTask.RequestLog(
                                "s3://gone/request-logs/churn/", 1.0, 2_000, 3600, 1000));
        Http http = new Http(server.port());
        int n = 0;
        for (int i = 0; i < 4; i++) {
            n += RequestLogs.score(http, TestModels.rows(30, 40 + i), "before-" + i).size();
        }
        awaitFailedRows(30);
        assertThat(RequestLogs.rows(server, "logged")).isZero();
        // publishes have failed: requests are still answered (score asserts each 200)
        for (int i = 0; i < 4; i++) {
            n += RequestLogs.score(http, TestModels.rows(30, 50 + i), "after-" + i).size();
        }
        server.close();
        assertThat(RequestLogs.rows(server, "failed")).isEqualTo(n);
        assertThat(RequestLogs.rows(server, "logged")).isZero();
        assertThat(RequestLogs.rows(server, "dropped")).isZero();
    }
}
