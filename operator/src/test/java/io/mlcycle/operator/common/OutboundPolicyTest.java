package io.mlcycle.operator.common;

import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@UnitTier
class OutboundPolicyTest {

    private static final String FIELD = "spec.rollback.prometheus.url";

    /** A resolver answering from a table (no DNS), as a cluster's DNS would. */
    private static OutboundPolicy.Resolver dns(Map<String, String> table) {
        return host -> {
            String a = table.get(host);
            if (a == null) {
                return InetAddress.getAllByName(host); // IP literals
            }
            return new InetAddress[] {InetAddress.getByName(a)};
        };
    }

    private static final OutboundPolicy.Resolver DNS =
            dns(
                    Map.of(
                            "prometheus.monitoring.svc", "10.96.0.20",
                            "sneaky.example.com", "169.254.169.254",
                            "sneaky6.example.com", "fd00:ec2::254",
                            "hooks.slack.com", "52.1.2.3"));

    @Test
    void withoutAnAllowListOrdinaryHostsPassAndLinkLocalAndMetadataAreRefused() {
        OutboundPolicy p = new OutboundPolicy(List.of(), DNS);
        assertThat(p.refusal("http://prometheus.monitoring.svc:9090", FIELD)).isEmpty();
        assertThat(p.refusal("http://127.0.0.1:9090", FIELD)).isEmpty();
        assertThat(p.refusal("http://169.254.169.254/latest/meta-data/", FIELD))
                .hasValueSatisfying(
                        m ->
                                assertThat(m)
                                        .contains(FIELD)
                                        .contains("'169.254.169.254'")
                                        .doesNotContain("meta-data"));
        assertThat(p.refusal("http://169.254.10.1:80", FIELD)).isPresent();
        assertThat(p.refusal("http://[fe80::1]:9090", FIELD)).isPresent();
        assertThat(p.refusal("http://[fd00:ec2::254]/", FIELD)).isPresent();
        assertThat(p.refusal("http://metadata.google.internal/computeMetadata/v1/", FIELD))
                .hasValueSatisfying(m -> assertThat(m).contains("metadata.google.internal"));
    }

    @Test
    void aDnsNamePointingAtAMetadataAddressIsRefusedNamingTheHostNotTheUrl() {
        OutboundPolicy p = new OutboundPolicy(List.of(), DNS);
        assertThat(p.refusal("http://user:pw@sneaky.example.com/x?token=abc", FIELD))
                .hasValueSatisfying(
                        m ->
                                assertThat(m)
                                        .contains("'sneaky.example.com'")
                                        .contains("169.254.169.254")
                                        .doesNotContain("pw")
                                        .doesNotContain("token=abc"));
        assertThat(p.refusal("http://sneaky6.example.com/", FIELD)).isPresent();
    }

    @Test
    void withAnAllowListOnlyMatchingNamesSuffixesAndRangesPassAndMetadataStaysRefused() {
        OutboundPolicy p =
                new OutboundPolicy(
                        List.of(
                                "prometheus.monitoring.svc",
                                "*.slack.com",
                                "10.0.0.0/8",
                                "169.254.0.0/16",
                                "sneaky.example.com"),
                        DNS);
        assertThat(p.refusal("http://prometheus.monitoring.svc:9090", FIELD)).isEmpty();
        assertThat(p.refusal("https://hooks.slack.com/services/T/B/secret", "webhook")).isEmpty();
        assertThat(p.refusal("http://10.1.2.3:9090", FIELD)).isEmpty();
        assertThat(p.refusal("http://11.1.2.3:9090", FIELD))
                .hasValueSatisfying(
                        m -> assertThat(m).contains("'11.1.2.3'").contains("allowed-hosts"));
        assertThat(p.refusal("http://evil.example.org", FIELD))
                .hasValueSatisfying(m -> assertThat(m).contains("'evil.example.org'"));
        assertThat(p.refusal("http://slack.com.evil.org", FIELD)).isPresent();
        // an allow-list entry never opens link-local or metadata addresses
        assertThat(p.refusal("http://169.254.169.254/", FIELD)).isPresent();
        assertThat(p.refusal("http://sneaky.example.com/", FIELD)).isPresent();
    }

    @Test
    void aUrlWithoutAHostIsRefusedAndAnUnresolvableOneIsLeftToFailByItself() {
        OutboundPolicy p =
                new OutboundPolicy(
                        List.of(),
                        host -> {
                            throw new UnknownHostException(host);
                        });
        assertThat(p.refusal("not a url", FIELD)).isPresent();
        assertThat(p.refusal("file:///etc/passwd", FIELD)).isPresent();
        assertThat(p.refusal("http://nowhere.invalid", FIELD)).isEmpty();
    }

    @Test
    void credentialsGoOverHttpsOrStayInTheClusterOrOnLoopbackUnlessAPersonAllowsPlainHttp() {
        OutboundPolicy p = new OutboundPolicy(List.of(), DNS);
        String field = "spec.store.catalog.uri";
        String optOut = "spec.store.catalog.allowPlainHttp";

        assertThat(p.credentialedRefusal("https://hooks.slack.com/catalog", field, false, optOut))
                .isEmpty();
        assertThat(
                        p.credentialedRefusal(
                                "http://prometheus.monitoring.svc:9090", field, false, optOut))
                .isEmpty();
        assertThat(
                        p.credentialedRefusal(
                                "http://rest.lake.svc.cluster.local", field, false, optOut))
                .isEmpty();
        assertThat(p.credentialedRefusal("http://iceberg-rest:8181", field, false, optOut))
                .isEmpty();
        assertThat(p.credentialedRefusal("http://127.0.0.1:8181", field, false, optOut)).isEmpty();
        assertThat(p.credentialedRefusal("http://localhost:8181", field, false, optOut)).isEmpty();
        assertThat(p.credentialedRefusal("http://[::1]:8181", field, false, optOut)).isEmpty();
        assertThat(p.credentialedRefusal("http://hooks.slack.com/catalog", field, false, optOut))
                .hasValue(
                        field
                                + ": plain http to host 'hooks.slack.com' would send the"
                                + " credentials unencrypted; use https, an in-cluster Service"
                                + " name (*.svc) or a loopback address, or set "
                                + optOut
                                + ": true");
        assertThat(p.credentialedRefusal("http://10.0.0.5:8181", field, false, optOut)).isPresent();
        assertThat(p.credentialedRefusal("http://hooks.slack.com/catalog", field, true, optOut))
                .isEmpty();
        assertThat(p.credentialedRefusal("ftp://hooks.slack.com/catalog", field, true, optOut))
                .hasValue(field + " must be an http:// or https:// URL, not 'ftp'");
    }

    @Test
    void allowingPlainHttpNeverLetsCredentialsReachAMetadataAddress() {
        OutboundPolicy p = new OutboundPolicy(List.of(), DNS);

        assertThat(p.credentialedRefusal("http://sneaky.example.com/", "f", true, "o"))
                .hasValueSatisfying(m -> assertThat(m).contains("link-local or cloud metadata"));
        assertThat(p.credentialedRefusal("https://169.254.169.254/", "f", false, "o")).isPresent();
    }
}
