package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarSource;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Resolves a container's environment as the kubelet would: literal values, Secret and ConfigMap
 * keys, and the pod's own fields.
 */
final class PodEnv {

    /** A reference the kubelet cannot resolve yet (Kubernetes: CreateContainerConfigError). */
    static final class Unresolved extends RuntimeException {
        Unresolved(String message) {
            super(message);
        }
    }

    private PodEnv() {}

    static Map<String, String> resolve(
            KubernetesClient client, String namespace, String podName, Container container) {
        Map<String, String> env = new LinkedHashMap<>();
        if (container.getEnvFrom() != null) {
            for (EnvFromSource from : container.getEnvFrom()) {
                String prefix = from.getPrefix() == null ? "" : from.getPrefix();
                if (from.getSecretRef() != null) {
                    Secret s = secret(client, namespace, from.getSecretRef().getName());
                    if (s != null) {
                        secretData(s).forEach((k, v) -> env.put(prefix + k, v));
                    } else if (!Boolean.TRUE.equals(from.getSecretRef().getOptional())) {
                        throw new Unresolved(
                                "secret \"" + from.getSecretRef().getName() + "\" not found");
                    }
                }
                if (from.getConfigMapRef() != null) {
                    ConfigMap cm = configMap(client, namespace, from.getConfigMapRef().getName());
                    if (cm != null && cm.getData() != null) {
                        cm.getData().forEach((k, v) -> env.put(prefix + k, v));
                    } else if (cm == null
                            && !Boolean.TRUE.equals(from.getConfigMapRef().getOptional())) {
                        throw new Unresolved(
                                "configmap \"" + from.getConfigMapRef().getName() + "\" not found");
                    }
                }
            }
        }
        if (container.getEnv() != null) {
            for (EnvVar var : container.getEnv()) {
                String value = value(client, namespace, podName, var);
                if (value != null) {
                    env.put(var.getName(), value);
                }
            }
        }
        return env;
    }

    private static String value(
            KubernetesClient client, String namespace, String podName, EnvVar var) {
        EnvVarSource from = var.getValueFrom();
        if (from == null) {
            return var.getValue() == null ? "" : var.getValue();
        }
        if (from.getSecretKeyRef() != null) {
            var ref = from.getSecretKeyRef();
            Secret s = secret(client, namespace, ref.getName());
            String v = s == null ? null : secretData(s).get(ref.getKey());
            if (v == null && !Boolean.TRUE.equals(ref.getOptional())) {
                throw new Unresolved(
                        s == null
                                ? "secret \"" + ref.getName() + "\" not found"
                                : "couldn't find key "
                                        + ref.getKey()
                                        + " in Secret "
                                        + namespace
                                        + "/"
                                        + ref.getName());
            }
            return v;
        }
        if (from.getConfigMapKeyRef() != null) {
            var ref = from.getConfigMapKeyRef();
            ConfigMap cm = configMap(client, namespace, ref.getName());
            String v = cm == null || cm.getData() == null ? null : cm.getData().get(ref.getKey());
            if (v == null && !Boolean.TRUE.equals(ref.getOptional())) {
                throw new Unresolved(
                        "couldn't find key "
                                + ref.getKey()
                                + " in ConfigMap "
                                + namespace
                                + "/"
                                + ref.getName());
            }
            return v;
        }
        if (from.getFieldRef() != null) {
            return switch (from.getFieldRef().getFieldPath()) {
                case "metadata.name" -> podName;
                case "metadata.namespace" -> namespace;
                case "status.podIP", "status.hostIP" -> "127.0.0.1";
                case "spec.nodeName" -> "local";
                default -> "";
            };
        }
        return "";
    }

    static Secret secret(KubernetesClient client, String namespace, String name) {
        return client.secrets().inNamespace(namespace).withName(name).get();
    }

    static ConfigMap configMap(KubernetesClient client, String namespace, String name) {
        return client.configMaps().inNamespace(namespace).withName(name).get();
    }

    static Map<String, String> secretData(Secret s) {
        Map<String, String> out = new LinkedHashMap<>();
        if (s.getData() != null) {
            s.getData()
                    .forEach(
                            (k, v) ->
                                    out.put(
                                            k,
                                            new String(
                                                    Base64.getDecoder().decode(v),
                                                    StandardCharsets.UTF_8)));
        }
        if (s.getStringData() != null) {
            out.putAll(s.getStringData());
        }
        return out;
    }
}
