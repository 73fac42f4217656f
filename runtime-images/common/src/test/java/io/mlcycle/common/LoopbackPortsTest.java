package io.mlcycle.common;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/** Ports for child processes come from a band this JVM claimed, below the ephemeral range. */
@UnitTier
class LoopbackPortsTest {

    @Test
    void theJvmHandsOutDistinctFreePortsFromItsOwnBandBelowTheEphemeralRange() throws IOException {
        int floor =
                Integer.parseInt(
                        Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range"))
                                .get(0)
                                .trim()
                                .split("\\s+")[0]);
        int first = LoopbackPorts.band();
        if (floor >= LoopbackPorts.FIRST + LoopbackPorts.BANDS * LoopbackPorts.BAND_SIZE) {
            assertThat(first).as("a band below the ephemeral floor " + floor).isPositive();
        }
        Set<Integer> ports = new HashSet<>();
        for (int i = 0; i < 50; i++) {
            int port = LoopbackPorts.free();
            if (first > 0) {
                assertThat(port).isBetween(first, first + LoopbackPorts.BAND_SIZE - 1);
            }
            ports.add(port);
            // the child binds it as a server would
            try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                assertThat(s.getLocalPort()).isEqualTo(port);
            }
        }
        assertThat(ports).hasSize(50);
    }

    @Test
    void aPortTakenInTheBandIsPassedOver() throws IOException {
        Set<Integer> seen = new HashSet<>();
        try (ServerSocket held =
                new ServerSocket(LoopbackPorts.free(), 1, InetAddress.getLoopbackAddress())) {
            // the band wraps after BAND_SIZE ports: the held one comes round again
            for (int i = 0; i < LoopbackPorts.BAND_SIZE; i++) {
                seen.add(LoopbackPorts.free());
            }
            assertThat(seen).doesNotContain(held.getLocalPort());
        }
    }
}
