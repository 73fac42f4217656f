package io.mlcycle.operator.modeldeployment;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mlcycle.operator.api.Defaults;
import io.mlcycle.operator.api.modeldeployment.FeedbackSpec;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.modeldeployment.ModelDeploymentStatus;
import io.mlcycle.operator.common.RuntimeObjects;
import io.mlcycle.task.ServeTask;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The feedback token of a ModelDeployment's serving pods: the Secret key the spec names, or {@code
 * <name>-feedback-token} (key {@value #KEY}), created once with 32 random bytes, owned by the
 * ModelDeployment and never rewritten. The pods get it as a {@code secretKeyRef} env ({@link
 * ServeTask#FEEDBACK_TOKEN_ENV}), the champion and its shadow challenger the same one.
 */
final class FeedbackTokens {

    static final String KEY = "token";
    static final String SUFFIX = "-feedback-token";
    static final String MISSING = ModelDeploymentConditions.FEEDBACK_TOKEN_MISSING;
    private static final SecureRandom RANDOM = new SecureRandom();

    private FeedbackTokens() {}

    /** Where the token is: null when authentication is off. */
    record Ref(String secret, String key, boolean created) {}

    /** The token's Secret key the spec asks for, null when authentication is off (pure). */
    static Ref ref(ModelDeployment md) {
        FeedbackSpec f = Defaults.copy(md.getSpec().feedback);
        if (f != null && Boolean.FALSE.equals(f.authentication)) {
            return null;
        }
        if (f != null && f.tokenSecret != null) {
            return new Ref(f.tokenSecret.name, f.tokenSecret.key, false);
        }
        return new Ref(md.getMetadata().getName() + SUFFIX, KEY, true);
    }

    /** The serving container's env for the token (pure). */
    static List<EnvVar> env(ModelDeployment md) {
        Ref ref = ref(md);
        if (ref == null) {
            return List.of(
                    new EnvVar(ServeTask.FEEDBACK_AUTH_ENV, ServeTask.FEEDBACK_AUTH_OFF, null));
        }
        return List.of(
                new io.fabric8.kubernetes.api.model.EnvVarBuilder()
                        .withName(ServeTask.FEEDBACK_TOKEN_ENV)
                        .withNewValueFrom()
                        .withNewSecretKeyRef()
                        .withName(ref.secret())
                        .withKey(ref.key())
                        .withOptional(false)
                        .endSecretKeyRef()
                        .endValueFrom()
                        .build());
    }

    /** What status.feedback says for {@code ref}. */
    static ModelDeploymentStatus.FeedbackStatus status(Ref ref) {
        ModelDeploymentStatus.FeedbackStatus s = new ModelDeploymentStatus.FeedbackStatus();
        s.authentication = ref != null;
        if (ref != null) {
            s.tokenSecret = ref.secret();
            s.tokenKey = ref.key();
        }
        return s;
    }

    /** Whether status already records {@code ref} as in place (then nothing is read or written). */
    static boolean recorded(ModelDeploymentStatus status, Ref ref) {
        ModelDeploymentStatus.FeedbackStatus s = status.feedback;
        return s != null
                && Objects.equals(s.authentication, ref != null)
                && (ref == null
                        || (ref.secret().equals(s.tokenSecret) && ref.key().equals(s.tokenKey)));
    }

    /**
     * Makes sure the token exists: creates the operator's Secret when absent (a 409: it exists,
     * left as it is), or checks the Secret the spec names. Empty when the pods may use it, else a
     * message naming the Secret and the key, never a value.
     */
    static Optional<String> ensure(KubernetesClient client, ModelDeployment md, Ref ref) {
        if (ref == null) {
            return Optional.empty();
        }
        String ns = md.getMetadata().getNamespace();
        String named = "Secret '" + ref.secret() + "' key '" + ref.key() + "'";
        try {
            if (ref.created()) {
                create(client, md, ref);
                return Optional.empty();
            }
            Secret s = client.secrets().inNamespace(ns).withName(ref.secret()).get();
            if (s == null) {
                return Optional.of(
                        named
                                + " (spec.feedback.tokenSecret) does not exist in namespace "
                                + ns
                                + ": serving goes on as it was");
            }
            if (!nonEmpty(s.getData(), ref.key()) && !nonEmpty(s.getStringData(), ref.key())) {
                return Optional.of(
                        named
                                + " (spec.feedback.tokenSecret) is missing or empty: serving goes"
                                + " on as it was");
            }
            return Optional.empty();
        } catch (KubernetesClientException e) {
            return Optional.of("cannot read or create " + named + ": HTTP " + e.getCode());
        }
    }

    private static void create(KubernetesClient client, ModelDeployment md, Ref ref) {
        byte[] token = new byte[32];
        RANDOM.nextBytes(token);
        // the token is printable (base64url), so it can be pasted into a header as it is
        byte[] text =
                Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(token)
                        .getBytes(StandardCharsets.US_ASCII);
        Secret secret =
                new SecretBuilder()
                        .withNewMetadata()
                        .withName(ref.secret())
                        .withNamespace(md.getMetadata().getNamespace())
                        .withLabels(
                                Map.of(
                                        RuntimeObjects.MANAGED_BY_LABEL,
                                        RuntimeObjects.MANAGED_BY,
                                        RuntimeObjects.ownerLabel(md.getKind()),
                                        md.getMetadata().getName()))
                        .withOwnerReferences(RuntimeObjects.controllerReference(md))
                        .endMetadata()
                        .withType("Opaque")
                        .withData(Map.of(ref.key(), Base64.getEncoder().encodeToString(text)))
                        .build();
        try {
            client.secrets().inNamespace(md.getMetadata().getNamespace()).resource(secret).create();
        } catch (KubernetesClientException e) {
            if (e.getCode() != 409) {
                throw e;
            }
            // it exists: a token is never rotated by a reconcile
        }
    }

    private static boolean nonEmpty(Map<String, String> data, String key) {
        return data != null && data.get(key) != null && !data.get(key).isEmpty();
    }
}
