package io.mlcycle.operator.common;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;

/**
 * Records Kubernetes Events on mlcycle resources. A repeat of the same reason and message on the
 * same object bumps the count of the existing Event, as kubectl's recorder does.
 */
@ApplicationScoped
public class EventRecorder {

    public static final String NORMAL = "Normal";
    public static final String WARNING = "Warning";
    public static final String COMPONENT = "mlcycle-operator";

    private static final Logger LOG = Logger.getLogger(EventRecorder.class);

    @Inject KubernetesClient client;
    @Inject Clock clock;

    public EventRecorder() {}

    /** For tests without CDI. */
    public EventRecorder(KubernetesClient client, Clock clock) {
        this.client = client;
        this.clock = clock;
    }

    public void normal(HasMetadata object, String reason, String message) {
        record(object, NORMAL, reason, message);
    }

    public void warning(HasMetadata object, String reason, String message) {
        record(object, WARNING, reason, message);
    }

    /**
     * Records a state change that must be told once: when the same Event (object, type, reason,
     * message) exists already it is left alone, so a reconcile that sees the change again (a stale
     * or re-merged status) does not bump it. Put what identifies the change (e.g. the Job) in the
     * message.
     */
    public void normalOnce(HasMetadata object, String reason, String message) {
        record(object, NORMAL, reason, message, false);
    }

    /** {@link #normalOnce} for a Warning. */
    public void warningOnce(HasMetadata object, String reason, String message) {
        record(object, WARNING, reason, message, false);
    }

    /** Creates or bumps the Event; failures are logged, never thrown (events are best effort). */
    public void record(HasMetadata object, String type, String reason, String message) {
        record(object, type, reason, message, true);
    }

    private void record(
            HasMetadata object, String type, String reason, String message, boolean bump) {
        String namespace = object.getMetadata().getNamespace();
        String name = eventName(object, type, reason, message);
        String now = clock.instant().toString();
        try {
            var events = client.v1().events().inNamespace(namespace);
            // Create first: most Events are new, and the API server's create says whether it
            // exists (409) without a GET on every Event.
            try {
                events.resource(
                                new EventBuilder()
                                        .withNewMetadata()
                                        .withName(name)
                                        .withNamespace(namespace)
                                        .endMetadata()
                                        .withInvolvedObject(
                                                new ObjectReferenceBuilder()
                                                        .withApiVersion(object.getApiVersion())
                                                        .withKind(object.getKind())
                                                        .withName(object.getMetadata().getName())
                                                        .withNamespace(namespace)
                                                        .withUid(object.getMetadata().getUid())
                                                        .build())
                                        .withType(type)
                                        .withReason(reason)
                                        .withMessage(truncate(message))
                                        .withCount(1)
                                        .withFirstTimestamp(now)
                                        .withLastTimestamp(now)
                                        .withNewSource()
                                        .withComponent(COMPONENT)
                                        .endSource()
                                        .withReportingComponent(COMPONENT)
                                        .build())
                        .create();
                return;
            } catch (KubernetesClientException e) {
                if (e.getCode() != 409) {
                    throw e;
                }
            }
            if (!bump) {
                return;
            }
            events.withName(name)
                    .edit(
                            e -> {
                                e.setCount(e.getCount() == null ? 2 : e.getCount() + 1);
                                e.setLastTimestamp(now);
                                return e;
                            });
        } catch (KubernetesClientException e) {
            LOG.warnf(
                    "cannot record event %s on %s/%s: %s",
                    reason, namespace, object.getMetadata().getName(), e.getMessage());
        }
    }

    /** Deterministic per (object, type, reason, message), so repeats find the same Event. */
    static String eventName(HasMetadata object, String type, String reason, String message) {
        String key =
                object.getKind()
                        + "/"
                        + object.getMetadata().getUid()
                        + "/"
                        + type
                        + "/"
                        + reason
                        + "/"
                        + message;
        String base = object.getMetadata().getName();
        if (base.length() > 200) {
            base = base.substring(0, 200);
        }
        return base + "." + hash(key);
    }

    private static String truncate(String message) {
        if (message == null) {
            return "";
        }
        return message.length() <= 1024 ? message : message.substring(0, 1023) + "…";
    }

    static String hash(String key) {
        try {
            byte[] digest =
                    MessageDigest.getInstance("SHA-256")
                            .digest(key.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(digest, 0, 8);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
