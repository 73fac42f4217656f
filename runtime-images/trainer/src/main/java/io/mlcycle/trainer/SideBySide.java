package io.mlcycle.trainer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** Independent tasks on a few worker threads, their results in the tasks' order. */
final class SideBySide {

    private SideBySide() {}

    /**
     * Runs {@code tasks} on at most {@code workers} threads (in this thread, in order, when one is
     * enough) and returns their results in the tasks' order; the first task's failure, in that
     * order, is rethrown as it was thrown.
     */
    static <T> List<T> run(int workers, List<Callable<T>> tasks) {
        int n = Math.min(workers, tasks.size());
        List<T> out = new ArrayList<>();
        if (n <= 1) {
            for (Callable<T> task : tasks) {
                out.add(call(task));
            }
            return out;
        }
        ExecutorService pool =
                Executors.newFixedThreadPool(
                        n,
                        r -> {
                            Thread t = new Thread(r, "side-by-side");
                            t.setDaemon(true);
                            return t;
                        });
        try {
            List<Future<T>> futures = new ArrayList<>();
            for (Callable<T> task : tasks) {
                futures.add(pool.submit(task));
            }
            for (Future<T> f : futures) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while fits ran side by side", e);
        } catch (ExecutionException e) {
            throw rethrown(e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static <T> T call(Callable<T> task) {
        try {
            return task.call();
        } catch (Exception e) {
            throw rethrown(e);
        }
    }

    private static RuntimeException rethrown(Throwable cause) {
        if (cause instanceof RuntimeException r) {
            throw r;
        }
        if (cause instanceof Error e) {
            throw e;
        }
        throw new IllegalStateException(cause);
    }
}
