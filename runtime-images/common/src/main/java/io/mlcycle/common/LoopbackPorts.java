package io.mlcycle.common;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP port free on the loopback interface, for a child process to bind. A port the kernel hands
 * out for {@code bind(0)} is free only until someone else's {@code bind(0)} or {@code connect}
 * draws it again, which another JVM's sockets may do before the child binds it. So each JVM claims
 * a band of ports of its own below the kernel's ephemeral range (a lock file in the temporary
 * directory, which the OS drops when the JVM ends) and hands out ports checked free from it; the
 * kernel's choice only when every band is claimed or the ephemeral range reaches down to the bands.
 */
public final class LoopbackPorts {

    static final int FIRST = 20_000;
    static final int BAND_SIZE = 1_000;
    static final int BANDS = 12;

    private static final AtomicInteger NEXT =
            new AtomicInteger(ThreadLocalRandom.current().nextInt(BAND_SIZE));
    private static int band = -1;

    @SuppressWarnings("unused") // held open for the JVM's life: it is the claim
    private static FileLock claim;

    private LoopbackPorts() {}

    /** A free port: from this JVM's band when it has one, else the kernel's choice. */
    public static int free() {
        int first = band();
        if (first < 0) {
            return bind(0);
        }
        for (int tries = 0; tries < BAND_SIZE; tries++) {
            int port = first + Math.floorMod(NEXT.getAndIncrement(), BAND_SIZE);
            if (bind(port) > 0) {
                return port;
            }
        }
        return bind(0);
    }

    /** The first port of this JVM's band, claimed on first use; -1 without one. */
    static synchronized int band() {
        if (band == -1) {
            band = claimBand();
        }
        return band;
    }

    private static int claimBand() {
        if (ephemeralFloor() < FIRST + BANDS * BAND_SIZE) {
            return -2;
        }
        Path dir = Path.of(System.getProperty("java.io.tmpdir"), "mlcycle-port-bands");
        for (int i = 0; i < BANDS; i++) {
            try {
                Files.createDirectories(dir);
                FileChannel channel =
                        FileChannel.open(
                                dir.resolve("band-" + i + ".lock"),
                                StandardOpenOption.CREATE,
                                StandardOpenOption.WRITE);
                FileLock lock = channel.tryLock();
                if (lock != null) {
                    claim = lock;
                    return FIRST + i * BAND_SIZE;
                }
                channel.close();
            } catch (IOException | RuntimeException e) {
                return -2; // no claim possible here: the kernel chooses
            }
        }
        return -2;
    }

    /** The lowest port the kernel hands out on its own (Linux), or 0 when it cannot be read. */
    private static int ephemeralFloor() {
        try {
            // read line by line: /proc reports a size its contents do not have
            String range =
                    Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0);
            return Integer.parseInt(range.trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** The port bound and released at once; -1 when {@code port} (not 0) is taken. */
    private static int bind(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.setReuseAddress(true);
            s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 1);
            return s.getLocalPort();
        } catch (IOException e) {
            if (port == 0) {
                throw new UncheckedIOException("no free loopback port", e);
            }
            return -1;
        }
    }
}
