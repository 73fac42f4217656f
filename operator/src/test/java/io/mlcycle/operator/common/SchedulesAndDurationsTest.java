package io.mlcycle.operator.common;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

@UnitTier
class SchedulesAndDurationsTest {

    @Test
    void durationsParseSecondsMinutesHoursDaysAndNameTheFieldOtherwise() {
        assertThat(Durations.parse("30s", "f")).isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.parse("10m", "f")).isEqualTo(Duration.ofMinutes(10));
        assertThat(Durations.parse("2h", "f")).isEqualTo(Duration.ofHours(2));
        assertThat(Durations.days("7d", "spec.window")).isEqualTo(7);
        assertThatThrownBy(() -> Durations.parse("7 days", "spec.window"))
                .hasMessageContaining("spec.window")
                .hasMessageContaining("'7 days'");
        assertThatThrownBy(() -> Durations.days("12h", "spec.window"))
                .hasMessageContaining("spec.window");
    }

    @Test
    void earliestSkipsNullsAndIsNullOnlyWhenAllAre() {
        assertThat(Durations.earliest(null, Duration.ofMinutes(5), null, Duration.ofSeconds(30)))
                .isEqualTo(Duration.ofSeconds(30));
        assertThat(Durations.earliest(Duration.ofHours(1))).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.earliest(null, null)).isNull();
    }

    @Test
    void cronLastAndNextFireInTheTimeZone() {
        Schedules s = Schedules.parse("0 10 * * *", "Europe/Paris", "spec.schedule");
        Instant now = Instant.parse("2026-11-20T12:00:00Z"); // 13:00 in Paris
        assertThat(s.lastFire(now).get().toInstant())
                .isEqualTo(Instant.parse("2026-11-20T09:00:00Z"));
        assertThat(s.nextFire(now).get().toInstant())
                .isEqualTo(Instant.parse("2026-11-21T09:00:00Z"));
    }

    @Test
    void lastFireIncludesAnExactFireTime() {
        Schedules s = Schedules.parse("@daily", "UTC", "spec.schedule");
        Instant midnight = Instant.parse("2026-11-21T00:00:00Z");
        assertThat(s.lastFire(midnight).get().toInstant()).isEqualTo(midnight);
        assertThat(s.nextFire(midnight).get().toInstant())
                .isEqualTo(Instant.parse("2026-11-22T00:00:00Z"));
    }

    @Test
    void invalidCronOrZoneNamesTheField() {
        assertThatThrownBy(() -> Schedules.parse("0 25 * * *", "UTC", "spec.schedule"))
                .hasMessageStartingWith("spec.schedule: '0 25 * * *'");
        assertThatThrownBy(() -> Schedules.parse("@daily", "Mars/Olympus", "spec.schedule"))
                .hasMessageStartingWith("timeZone: 'Mars/Olympus'");
    }

    @Test
    void namesStayDnsLabelsAndUnique() {
        assertThat(RuntimeObjects.name("fv", "pivot", "20261120", "1"))
                .isEqualTo("fv-pivot-20261120-1");
        String longName = "a-very-long-feature-view-name-that-goes-on-and-on-and-on-forever";
        String a = RuntimeObjects.name(longName, "pivot", "20261120", "1");
        String b = RuntimeObjects.name(longName + "x", "pivot", "20261120", "1");
        assertThat(a)
                .hasSizeLessThanOrEqualTo(63)
                .endsWith("-pivot-20261120-1")
                .matches("[a-z0-9-]+");
        assertThat(a).isNotEqualTo(b);
    }
}
