package io.mlcycle.operator.common;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Which hosts the operator's own calls may reach (Prometheus, webhooks: URLs that tenants write).
 * Link-local addresses (169.254.0.0/16, fe80::/10) and cloud metadata endpoints are always refused,
 * checked on every address the host resolves to, so a DNS name pointing at one is refused too; with
 * {@code mlcycle.outbound.allowed-hosts} set, a host must also match one of its entries.
 */
@ApplicationScoped
public class OutboundPolicy {

    /** Metadata endpoints by name (their addresses are link-local or {@code fd00:ec2::254}). */
    private static final Set<String> METADATA_NAMES =
            Set.of("metadata.google.internal", "metadata.goog", "metadata", "instance-data");

    private static final String EC2_IPV6_METADATA = "fd00:ec2:0:0:0:0:0:254";

    /** Resolves a host to its addresses (injectable for tests). */
    public interface Resolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    private final List<String> allowed;
    private final Resolver resolver;

    /**
     * @param allowedHosts {@code mlcycle.outbound.allowed-hosts} (chart {@code
     *     outbound.allowedHosts}): a host name, {@code *.domain} (any host under it), an IP address
     *     or a CIDR range (e.g. 10.0.0.0/8); unset: any host but the refused ones
     */
    @Inject
    public OutboundPolicy(
            @ConfigProperty(name = "mlcycle.outbound.allowed-hosts")
                    Optional<List<String>> allowedHosts) {
        this(allowedHosts.orElse(List.of()), InetAddress::getAllByName);
    }

    public OutboundPolicy(List<String> allowedHosts, Resolver resolver) {
        this.allowed =
                allowedHosts.stream()
                        .map(h -> h.trim().toLowerCase(Locale.ROOT))
                        .filter(h -> !h.isEmpty())
                        .toList();
        this.resolver = resolver;
    }

    /**
     * Why a call to {@code url} must not be made, naming {@code field} and the host (never the URL:
     * it may carry credentials); empty when it may.
     */
    public Optional<String> refusal(String url, String field) {
        String host;
        try {
            host = URI.create(url.trim()).getHost();
        } catch (IllegalArgumentException | NullPointerException e) {
            return Optional.of(field + " is not a URL");
        }
        if (host == null || host.isEmpty()) {
            return Optional.of(field + " has no host");
        }
        host = host.toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        String refused = field + ": host '" + host + "' is refused";
        if (METADATA_NAMES.contains(host)) {
            return Optional.of(refused + " (a cloud metadata endpoint)");
        }
        if (!allowed.isEmpty() && !allowedByName(host)) {
            InetAddress literal = literal(host);
            if (literal == null || allowed.stream().noneMatch(e -> inRange(literal, e))) {
                return Optional.of(
                        refused + " (not in the operator's mlcycle.outbound.allowed-hosts)");
            }
        }
        InetAddress[] addresses;
        try {
            addresses = resolver.resolve(host);
        } catch (UnknownHostException e) {
            return Optional.empty(); // the call fails by itself, with the client's message
        }
        for (InetAddress a : addresses) {
            if (a.isLinkLocalAddress()
                    || EC2_IPV6_METADATA.equals(a.getHostAddress())
                    || a.isAnyLocalAddress()) {
                return Optional.of(
                        refused
                                + " (it resolves to "
                                + a.getHostAddress()
                                + ", a link-local or cloud metadata address)");
            }
        }
        return Optional.empty();
    }

    /**
     * Why a call that carries credentials to {@code url} must not be made: {@link #refusal}, and
     * plain {@code http} unless the host is a loopback address ({@code localhost}, 127.0.0.0/8,
     * ::1) or an in-cluster Service name (one label, or ending in {@code .svc} or {@code
     * .svc.cluster.local}), where the traffic stays in the cluster, or {@code plainHttpAllowed} (a
     * person turned the check off with {@code optOutField}); empty when it may.
     */
    public Optional<String> credentialedRefusal(
            String url, String field, boolean plainHttpAllowed, String optOutField) {
        Optional<String> refused = refusal(url, field);
        if (refused.isPresent()) {
            return refused;
        }
        URI uri = URI.create(url.trim());
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.of(field + " must be an http:// or https:// URL, not '" + scheme + "'");
        }
        if (scheme.equals("https") || plainHttpAllowed || staysInCluster(uri.getHost())) {
            return Optional.empty();
        }
        return Optional.of(
                field
                        + ": plain http to host '"
                        + uri.getHost()
                        + "' would send the credentials unencrypted; use https, an in-cluster"
                        + " Service name (*.svc) or a loopback address, or set "
                        + optOutField
                        + ": true");
    }

    /** A loopback address or a cluster Service's DNS name (nothing is resolved). */
    private static boolean staysInCluster(String rawHost) {
        String host = rawHost.toLowerCase(Locale.ROOT);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.equals("localhost")) {
            return true;
        }
        InetAddress literal = literal(host);
        if (literal != null) {
            return literal.isLoopbackAddress();
        }
        return !host.contains(".") || host.endsWith(".svc") || host.endsWith(".svc.cluster.local");
    }

    private boolean allowedByName(String host) {
        for (String e : allowed) {
            if (e.equals(host)) {
                return true;
            }
            if (e.startsWith("*.") && host.endsWith(e.substring(1))) {
                return true;
            }
        }
        return false;
    }

    /** The address of an IP literal, or null for a host name (nothing is resolved). */
    private static InetAddress literal(String host) {
        if (!host.matches("[0-9.]+|[0-9a-f:.]*:[0-9a-f:.]*")) {
            return null;
        }
        try {
            return InetAddress.getByName(host);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Whether {@code a} is the entry's address or in its CIDR range. */
    private static boolean inRange(InetAddress a, String entry) {
        int slash = entry.indexOf('/');
        InetAddress base = literal(slash < 0 ? entry : entry.substring(0, slash));
        if (base == null) {
            return false;
        }
        byte[] x = a.getAddress();
        byte[] y = base.getAddress();
        if (x.length != y.length) {
            return false;
        }
        int bits;
        try {
            bits = slash < 0 ? x.length * 8 : Integer.parseInt(entry.substring(slash + 1));
        } catch (NumberFormatException e) {
            return false;
        }
        for (int i = 0; i < x.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((x[i] & mask) != (y[i] & mask)) {
                return false;
            }
        }
        return true;
    }
}
