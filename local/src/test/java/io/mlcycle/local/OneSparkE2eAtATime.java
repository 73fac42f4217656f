package io.mlcycle.local;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * Test support: a Spark E2E class holds {@code local/target/spark-e2e.lock} while it runs, so the
 * two failsafe JVMs never run two Spark clusters (driver, executors, operator) at once on the
 * build's cores; the other JVM's E2Es go on beside it. The OS drops the lock when a JVM dies.
 */
final class OneSparkE2eAtATime implements BeforeAllCallback, AfterAllCallback {

    static final Duration GIVE_UP = Duration.ofMinutes(30);

    private static final ExtensionContext.Namespace NS =
            ExtensionContext.Namespace.create(OneSparkE2eAtATime.class);

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Path file = E2eSetup.projectRoot().resolve("local/target/spark-e2e.lock");
        Files.createDirectories(file.getParent());
        FileChannel channel =
                FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        String me = context.getRequiredTestClass().getSimpleName();
        long deadline = System.nanoTime() + GIVE_UP.toNanos();
        FileLock lock = channel.tryLock();
        if (lock == null) {
            System.out.println(
                    me + ": waiting for the other JVM's Spark E2E (" + holder(file) + ")");
        }
        while (lock == null) {
            if (System.nanoTime() > deadline) {
                channel.close();
                throw new AssertionError(
                        "gave up after "
                                + GIVE_UP
                                + " waiting for the Spark E2E lock "
                                + file
                                + ", held by "
                                + holder(file));
            }
            Thread.sleep(500);
            lock = channel.tryLock();
        }
        channel.truncate(0);
        channel.write(
                ByteBuffer.wrap(
                        (me + " in pid " + ProcessHandle.current().pid())
                                .getBytes(StandardCharsets.UTF_8)));
        context.getStore(NS).put("lock", lock);
    }

    @Override
    public void afterAll(ExtensionContext context) throws IOException {
        FileLock lock = context.getStore(NS).remove("lock", FileLock.class);
        if (lock != null) {
            lock.release();
            lock.channel().close();
        }
    }

    private static String holder(Path file) {
        try {
            return new String(Files.readAllBytes(file), StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "unknown: " + e.getMessage();
        }
    }
}
