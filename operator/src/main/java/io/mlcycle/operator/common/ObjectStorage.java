package io.mlcycle.operator.common;

import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.mlcycle.operator.api.StorageSpec;
import io.mlcycle.operator.api.featureview.FeatureView;
import io.mlcycle.operator.api.modeldeployment.ModelDeployment;
import io.mlcycle.operator.api.trainingrun.TrainingRun;
import io.mlcycle.task.PodEnv;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The object storage of a resource's pods: its {@code spec.storage.s3} over the operator's {@code
 * mlcycle.storage.s3.*}, field by field ({@link #merge}), as the {@code MLCYCLE_S3_*} env every
 * runtime pod gets ({@link #env}); and the check that a credentials Secret the spec names exists
 * with its keys ({@link #problem}).
 */
@ApplicationScoped
public class ObjectStorage {

    /** The spec's credentials Secret is missing or lacks a key. */
    public static final String CREDENTIALS_MISSING = "StorageCredentialsMissing";

    /** The spec's storage settings cannot be used (an endpoint that is not an http(s) URL). */
    public static final String INVALID_STORAGE = "InvalidStorage";

    /**
     * How soon a resource held by {@link #problem} looks again: the operator watches no Secrets, so
     * creating the missing one is noticed at the next look.
     */
    public static final Duration RECHECK = Duration.ofMinutes(1);

    static final String FIELD = "spec.storage.s3";

    @Inject KubernetesClient client;
    @Inject OperatorConfig config;

    public ObjectStorage() {}

    /** For tests without CDI. */
    public ObjectStorage(KubernetesClient client, OperatorConfig config) {
        this.client = client;
        this.config = config;
    }

    /** A Secret holding the access keys, and where it was named (for messages). */
    public record Credentials(
            String secret, String accessKeyIdKey, String secretAccessKeyKey, boolean fromSpec) {}

    /** The settings a pod gets; a null field is left to the AWS SDK's default. */
    public record Settings(
            String endpoint, String region, Boolean pathStyle, Credentials credentials) {}

    /** Why a resource's pods must not start; the message names the field and never a value. */
    public record Problem(String reason, String message) {}

    /** The {@code spec.storage.s3} of a FeatureView, TrainingRun or ModelDeployment, or null. */
    public static StorageSpec.S3 of(HasMetadata owner) {
        StorageSpec storage = null;
        if (owner instanceof FeatureView fv && fv.getSpec() != null) {
            storage = fv.getSpec().storage;
        } else if (owner instanceof TrainingRun tr && tr.getSpec() != null) {
            storage = tr.getSpec().storage;
        } else if (owner instanceof ModelDeployment md && md.getSpec() != null) {
            storage = md.getSpec().storage;
        }
        return storage == null ? null : storage.s3;
    }

    /**
     * Each field from the resource when it sets it, else from the operator; the credentials
     * Secret's key names likewise, so a resource naming only its Secret reads the operator's keys.
     */
    public static Settings merge(StorageSpec.S3 resource, OperatorConfig.S3 operator) {
        StorageSpec.S3 r = resource == null ? new StorageSpec.S3() : resource;
        Credentials credentials = null;
        StorageSpec.CredentialsSecret own = r.credentialsSecret;
        if (own != null && present(own.name)) {
            credentials =
                    new Credentials(
                            own.name,
                            first(own.accessKeyIdKey, operator.accessKeyIdKey()),
                            first(own.secretAccessKeyKey, operator.secretAccessKeyKey()),
                            true);
        } else {
            Optional<String> secret = operator.credentialsSecret().filter(ObjectStorage::present);
            if (secret.isPresent()) {
                credentials =
                        new Credentials(
                                secret.get(),
                                operator.accessKeyIdKey(),
                                operator.secretAccessKeyKey(),
                                false);
            }
        }
        return new Settings(
                first(r.endpoint, operator.endpoint().orElse(null)),
                first(r.region, operator.region().orElse(null)),
                r.pathStyle != null ? r.pathStyle : operator.pathStyle().orElse(null),
                credentials);
    }

    /**
     * The env the runtimes read ({@code MLCYCLE_S3_*}); the keys come from the credentials Secret
     * by reference, only its name is passed as a value (for error messages).
     */
    public static List<EnvVar> env(Settings s) {
        List<EnvVar> env = new ArrayList<>();
        if (s.endpoint() != null) {
            env.add(RuntimeJobs.value(PodEnv.S3_ENDPOINT, s.endpoint()));
        }
        if (s.region() != null) {
            env.add(RuntimeJobs.value(PodEnv.S3_REGION, s.region()));
        }
        if (s.pathStyle() != null) {
            env.add(RuntimeJobs.value(PodEnv.S3_PATH_STYLE, s.pathStyle().toString()));
        }
        Credentials c = s.credentials();
        if (c != null) {
            // optional: a pod that touches no s3:// URI must start without it; one that does
            // fails with StorageCredentialsMissing naming it
            env.add(RuntimeJobs.value(PodEnv.S3_CREDENTIALS_SECRET, c.secret()));
            env.add(
                    optional(
                            RuntimeJobs.secretEnv(
                                    "AWS_ACCESS_KEY_ID", c.secret(), c.accessKeyIdKey())));
            env.add(
                    optional(
                            RuntimeJobs.secretEnv(
                                    "AWS_SECRET_ACCESS_KEY", c.secret(), c.secretAccessKeyKey())));
        }
        return env;
    }

    /**
     * Why {@code owner}'s pods must not start: an endpoint that is not an http(s) URL, or a
     * credentials Secret its spec names that does not exist or lacks a key. The Secret is read (one
     * GET, never listed or watched) only when the spec names one; the operator-wide Secret is not
     * checked, its pods may need none.
     */
    public Optional<Problem> problem(HasMetadata owner) {
        StorageSpec.S3 s3 = of(owner);
        if (s3 == null) {
            return Optional.empty();
        }
        if (s3.endpoint != null && !httpUrl(s3.endpoint)) {
            return Optional.of(
                    new Problem(
                            INVALID_STORAGE,
                            FIELD
                                    + ".endpoint '"
                                    + s3.endpoint
                                    + "' is not an http(s) URL (e.g."
                                    + " http://minio.data:9000)"));
        }
        StorageSpec.CredentialsSecret ref = s3.credentialsSecret;
        if (ref == null) {
            return Optional.empty();
        }
        if (!present(ref.name)) {
            return Optional.of(
                    new Problem(INVALID_STORAGE, FIELD + ".credentialsSecret.name is required"));
        }
        String ns = owner.getMetadata().getNamespace();
        String named = "Secret '" + ref.name + "' (" + FIELD + ".credentialsSecret.name)";
        Secret secret;
        try {
            secret = client.secrets().inNamespace(ns).withName(ref.name).get();
        } catch (KubernetesClientException e) {
            return Optional.of(
                    new Problem(
                            CREDENTIALS_MISSING,
                            "cannot read " + named + ": HTTP " + e.getCode() + " " + reason(e)));
        }
        if (secret == null) {
            return Optional.of(
                    new Problem(
                            CREDENTIALS_MISSING,
                            named + " does not exist in namespace " + ns + ": no pod starts"));
        }
        Credentials keys = merge(s3, config.storage().s3()).credentials();
        for (String[] key :
                new String[][] {
                    {keys.accessKeyIdKey(), "accessKeyIdKey"},
                    {keys.secretAccessKeyKey(), "secretAccessKeyKey"}
                }) {
            if (!hasKey(secret, key[0])) {
                return Optional.of(
                        new Problem(
                                CREDENTIALS_MISSING,
                                named
                                        + " has no key '"
                                        + key[0]
                                        + "' or it is empty (the key is "
                                        + FIELD
                                        + ".credentialsSecret."
                                        + key[1]
                                        + "): no pod starts"));
            }
        }
        return Optional.empty();
    }

    private static boolean hasKey(Secret secret, String key) {
        return nonEmpty(secret.getData(), key) || nonEmpty(secret.getStringData(), key);
    }

    private static boolean nonEmpty(Map<String, String> data, String key) {
        return data != null && data.get(key) != null && !data.get(key).isEmpty();
    }

    static boolean httpUrl(String text) {
        if (!text.matches(StorageSpec.ENDPOINT_PATTERN)) {
            return false;
        }
        try {
            URI uri = URI.create(text);
            return uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static String reason(KubernetesClientException e) {
        return e.getStatus() == null || e.getStatus().getReason() == null
                ? ""
                : e.getStatus().getReason();
    }

    private static EnvVar optional(EnvVar secretRef) {
        secretRef.getValueFrom().getSecretKeyRef().setOptional(true);
        return secretRef;
    }

    private static boolean present(String s) {
        return s != null && !s.isBlank();
    }

    private static String first(String own, String fallback) {
        return present(own) ? own : present(fallback) ? fallback : null;
    }
}
