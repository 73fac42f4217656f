package io.mlcycle.server;

import io.mlcycle.common.RuntimeMain;
import io.mlcycle.common.TaskFailure;
import io.mlcycle.common.Uris;
import io.mlcycle.task.ReplayTask;
import io.mlcycle.task.ScoreTask;
import io.mlcycle.task.ServeTask;

import java.nio.file.Path;

/**
 * The server runtime: serves a model version over HTTP, scores a feature table in batch, or replays
 * a request log with two versions.
 */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        int code =
                RuntimeMain.run(
                        args,
                        task -> {
                            if (task instanceof ServeTask serve) {
                                Path dir = Uris.toPath(serve.artifactUri(), "artifactUri");
                                return Serve.run(
                                        serve,
                                        System.getenv(),
                                        () ->
                                                ArtifactModel.load(
                                                        dir,
                                                        serve.artifactDigest(),
                                                        serve.model() + " v" + serve.version()));
                            }
                            if (task instanceof ScoreTask score) {
                                return BatchScore.run(score);
                            }
                            if (task instanceof ReplayTask replay) {
                                return Replay.run(replay);
                            }
                            throw TaskFailure.invalid(
                                    "WrongRuntime",
                                    "the server runtime runs serve, score and replay tasks, not "
                                            + task.getClass().getSimpleName());
                        });
        System.out.flush();
        Serve.REPORTED.countDown();
        System.exit(code);
    }
}
