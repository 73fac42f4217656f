package io.mlcycle.helm;

import com.fasterxml.jackson.databind.JsonNode;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.Release;
import io.mlcycle.testing.UnitTier;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.mlcycle.helm.Manifests.namespacesOf;
import static io.mlcycle.helm.Manifests.rulesFor;
import static io.mlcycle.helm.Manifests.texts;
import static io.mlcycle.helm.Manifests.verbs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Lints and renders the chart with real Helm and checks the objects it produces. */
@UnitTier
class HelmChartTest {

    static Chart.Rendered defaults;
    static Chart.Rendered twoNamespaces;

    @BeforeAll
    static void render() {
        defaults = Chart.template(Map.of());
        twoNamespaces = Chart.templateWithValuesFile("values/watch-two-namespaces.yaml");
    }

    @Test
    void chartPassesStrictLint() {
        LintResult result = new Helm(Chart.DIR).lint().strict().call();

        assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
    }

    @Test
    void watchingAllNamespacesGrantsTheOperatorOneClusterRole() {
        JsonNode role = defaults.get("ClusterRole", "mlcycle-operator");
        JsonNode binding = defaults.get("ClusterRoleBinding", "mlcycle-operator");

        assertThat(rulesFor(role, "mlcycle.io", "trainingruns")).isNotEmpty();
        assertThat(binding.at("/roleRef/name").asText()).isEqualTo("mlcycle-operator");
        assertThat(binding.at("/subjects/0/name").asText()).isEqualTo("mlcycle");
        assertThat(binding.at("/subjects/0/namespace").asText()).isEqualTo(Chart.NAMESPACE);
        assertThat(defaults.ofKind("Role"))
                .extracting(r -> r.at("/metadata/name").asText())
                .containsExactly("mlcycle-leader-election");
        assertThat(defaults.env("QUARKUS_OPERATOR_SDK_NAMESPACES").asText())
                .isEqualTo("JOSDK_ALL_NAMESPACES");
    }

    @Test
    void watchingListedNamespacesGrantsARoleInEachAndNoClusterWideOperatorRole() {
        assertThat(twoNamespaces.find("ClusterRole", "mlcycle-operator")).isEmpty();
        assertThat(twoNamespaces.find("ClusterRoleBinding", "mlcycle-operator")).isEmpty();

        List<String> roleNamespaces = new ArrayList<>();
        for (JsonNode role : twoNamespaces.ofKind("Role")) {
            if (role.at("/metadata/name").asText().equals("mlcycle-operator")) {
                roleNamespaces.add(role.at("/metadata/namespace").asText());
                assertThat(role.get("rules"))
                        .isEqualTo(defaults.get("ClusterRole", "mlcycle-operator").get("rules"));
            }
        }
        assertThat(roleNamespaces).containsExactly("a", "b");
        assertThat(twoNamespaces.ofKind("RoleBinding"))
                .filteredOn(b -> b.at("/metadata/name").asText().equals("mlcycle-operator"))
                .allSatisfy(
                        b -> {
                            assertThat(b.at("/roleRef/kind").asText()).isEqualTo("Role");
                            assertThat(b.at("/subjects/0/namespace").asText())
                                    .isEqualTo(Chart.NAMESPACE);
                        })
                .extracting(b -> b.at("/metadata/namespace").asText())
                .containsExactly("a", "b");
        assertThat(twoNamespaces.env("QUARKUS_OPERATOR_SDK_NAMESPACES").asText()).isEqualTo("a,b");
    }

    @Test
    void watchNamespacesGivenAsACommaSeparatedStringWorkLikeAList() {
        Chart.Rendered fromString = Chart.template(Map.of("watchNamespaces", "a, b"));

        assertThat(fromString.objects()).isEqualTo(twoNamespaces.objects());
    }

    @Test
    void anInvalidWatchedNamespaceIsRejectedByName() {
        assertThatThrownBy(() -> Chart.template(Map.of("watchNamespaces", "team-a,Team_B")))
                .hasMessageContaining("watchNamespaces")
                .hasMessageContaining("Team_B");
    }

    @Test
    void installNotesSayWhatIsWatchedAndHowToStart() {
        Release release =
                new Helm(Chart.DIR)
                        .install()
                        .withName(Chart.RELEASE)
                        .withNamespace(Chart.NAMESPACE)
                        .withValuesFile(Resources.path("values/watch-two-namespaces.yaml"))
                        .dryRun()
                        .clientOnly()
                        .call();

        String notes = release.getOutput().substring(release.getOutput().indexOf("NOTES:"));
        assertThat(notes)
                .contains("The operator watches namespaces: a, b.")
                .contains("kubectl apply -n <namespace> -f examples/")
                .contains("kubectl get mlcycle");
    }

    @Test
    void operatorMayReadCrdsAndHoldItsLeaseInBothWatchModes() {
        for (Chart.Rendered rendered : List.of(defaults, twoNamespaces)) {
            JsonNode crdReader = rendered.get("ClusterRole", "mlcycle-crd-reader");
            assertThat(
                            verbs(
                                    rulesFor(
                                            crdReader,
                                            "apiextensions.k8s.io",
                                            "customresourcedefinitions")))
                    .containsExactlyInAnyOrder("get", "list");
            assertThat(crdReader.get("rules")).hasSize(1);

            JsonNode lease = rendered.get("Role", "mlcycle-leader-election");
            assertThat(lease.at("/metadata/namespace").asText()).isEqualTo(Chart.NAMESPACE);
            assertThat(rulesFor(lease, "coordination.k8s.io", "leases")).isNotEmpty();
        }
    }

    @Test
    void operatorPermissionsAreLeastPrivilege() {
        JsonNode role = defaults.get("ClusterRole", "mlcycle-operator");
        List<String> all = List.of("get", "list", "watch", "create", "update", "patch", "delete");

        for (String kind :
                List.of("featureviews", "trainingruns", "modelversions", "modeldeployments")) {
            assertThat(verbs(rulesFor(role, "mlcycle.io", kind)))
                    .as(kind)
                    .containsExactlyInAnyOrderElementsOf(all);
            assertThat(verbs(rulesFor(role, "mlcycle.io", kind + "/status")))
                    .as(kind + "/status")
                    .containsExactlyInAnyOrder("get", "update", "patch");
            assertThat(verbs(rulesFor(role, "mlcycle.io", kind + "/finalizers")))
                    .as(kind + "/finalizers")
                    .containsExactly("update");
        }
        assertThat(verbs(rulesFor(role, "batch", "jobs")))
                .containsExactlyInAnyOrder("get", "list", "watch", "create", "patch", "delete");
        assertThat(verbs(rulesFor(role, "", "pods")))
                .containsExactlyInAnyOrder("get", "list", "watch");
        assertThat(verbs(rulesFor(role, "", "pods/log"))).containsExactly("get");
        assertThat(verbs(rulesFor(role, "apps", "deployments")))
                .containsExactlyInAnyOrderElementsOf(all);
        assertThat(verbs(rulesFor(role, "", "services"))).containsExactlyInAnyOrderElementsOf(all);
        assertThat(verbs(rulesFor(role, "autoscaling", "horizontalpodautoscalers")))
                .containsExactlyInAnyOrderElementsOf(all);
        assertThat(verbs(rulesFor(role, "policy", "poddisruptionbudgets")))
                .containsExactlyInAnyOrderElementsOf(all);
        // KEDA only when keda.enabled (KedaChartTest)
        assertThat(rulesFor(role, "keda.sh", "scaledobjects")).isEmpty();
        // nothing the operator does not use: no ConfigMaps, no events.k8s.io; Secrets only by name
        assertThat(verbs(rulesFor(role, "networking.k8s.io", "networkpolicies")))
                .containsExactlyInAnyOrderElementsOf(all);
        // nothing the operator does not use: no ConfigMaps, no events.k8s.io; Secrets read by name
        // and created (a ModelDeployment's feedback token), never listed, watched or updated
        assertThat(rulesFor(role, "", "configmaps")).isEmpty();
        assertThat(verbs(rulesFor(role, "", "secrets"))).containsExactlyInAnyOrder("get", "create");
        assertThat(verbs(rulesFor(role, "", "events")))
                .containsExactlyInAnyOrder("get", "create", "patch");
        assertThat(rulesFor(role, "events.k8s.io", "events")).isEmpty();

        for (JsonNode rbacObject : defaults.objects()) {
            for (JsonNode rule : rbacObject.path("rules")) {
                assertThat(texts(rule.get("verbs"))).doesNotContain("*");
                assertThat(texts(rule.get("resources"))).doesNotContain("*");
                assertThat(texts(rule.get("apiGroups"))).doesNotContain("*");
            }
        }
    }

    @Test
    void namespaceUsersGetTheKindsThroughTheBuiltInViewEditAndAdminRoles() {
        JsonNode view = defaults.get("ClusterRole", "mlcycle-view");
        JsonNode edit = defaults.get("ClusterRole", "mlcycle-edit");
        for (String aggregate : List.of("view", "edit", "admin")) {
            assertThat(
                            view.at(
                                            "/metadata/labels/rbac.authorization.k8s.io~1aggregate-to-"
                                                    + aggregate)
                                    .asText())
                    .isEqualTo("true");
        }
        assertThat(
                        edit.at("/metadata/labels/rbac.authorization.k8s.io~1aggregate-to-view")
                                .isMissingNode())
                .isTrue();
        assertThat(
                        edit.at("/metadata/labels/rbac.authorization.k8s.io~1aggregate-to-edit")
                                .asText())
                .isEqualTo("true");
        for (String kind :
                List.of("featureviews", "trainingruns", "modelversions", "modeldeployments")) {
            assertThat(verbs(rulesFor(view, "mlcycle.io", kind)))
                    .as(kind)
                    .containsExactlyInAnyOrder("get", "list", "watch");
        }
        assertThat(verbs(rulesFor(edit, "mlcycle.io", "trainingruns")))
                .contains("create", "update", "patch", "delete");
        // a person approves or rejects a version; the operator creates them
        assertThat(verbs(rulesFor(edit, "mlcycle.io", "modelversions")))
                .containsExactlyInAnyOrder("update", "patch");
        assertThat(
                        Chart.template(Map.of("rbac.aggregateToDefaultRoles", false))
                                .find("ClusterRole", "mlcycle-view"))
                .isEmpty();
    }

    @Test
    void operatorRunsAsHardenedNonRootReplicasWithAWritableTmp() {
        JsonNode deployment = defaults.get("Deployment", "mlcycle");
        JsonNode pod = deployment.at("/spec/template/spec");
        JsonNode container = defaults.operatorContainer();

        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(2);
        assertThat(pod.at("/serviceAccountName").asText()).isEqualTo("mlcycle");
        assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
        assertThat(pod.at("/securityContext/runAsUser").asInt()).isEqualTo(10001);
        assertHardened(container.get("securityContext"));
        assertThat(container.at("/image").asText()).isEqualTo("mlcycle/operator:0.1.0");
        assertThat(container.at("/livenessProbe/httpGet/path").asText())
                .isEqualTo("/q/health/live");
        assertThat(container.at("/readinessProbe/httpGet/path").asText())
                .isEqualTo("/q/health/ready");
        assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(8080);
        assertThat(container.at("/volumeMounts/0/mountPath").asText()).isEqualTo("/tmp");
        assertThat(pod.at("/volumes/0/emptyDir").isObject()).isTrue();
    }

    @Test
    void operatorEnvironmentWiresTheRuntimePodsWithDefaults() throws Exception {
        assertThat(defaults.env("MLCYCLE_IMAGES_PIVOT").asText()).isEqualTo("mlcycle/pivot:0.1.0");
        assertThat(defaults.env("MLCYCLE_IMAGES_TRAINER").asText())
                .isEqualTo("mlcycle/trainer:0.1.0");
        assertThat(defaults.env("MLCYCLE_IMAGES_SERVER").asText())
                .isEqualTo("mlcycle/server:0.1.0");
        assertThat(defaults.env("MLCYCLE_RUNTIME_SERVICE_ACCOUNT").asText())
                .isEqualTo("mlcycle-runtime");
        assertThat(defaults.env("MLCYCLE_DATA_CLAIM").asText()).isEqualTo("mlcycle-data");
        assertThat(defaults.env("MLCYCLE_DATA_MOUNT_PATH").asText()).isEqualTo("/data");
        assertThat(defaults.env("MLCYCLE_MODELS_URI").asText()).isEqualTo("file:///data/models/");
        assertThat(defaults.env("MLCYCLE_RUNTIME_JOB_TTL_SECONDS").asText()).isEqualTo("86400");

        JsonNode runtimeSecurityContext =
                Chart.JSON.readTree(defaults.env("MLCYCLE_RUNTIME_SECURITY_CONTEXT").asText());
        assertHardened(runtimeSecurityContext);
        assertThat(runtimeSecurityContext)
                .isEqualTo(defaults.operatorContainer().get("securityContext"));
    }

    @Test
    void secretsMayBeCreatedOnlyInTheWatchedNamespacesWhenNamespacesAreListed() {
        for (JsonNode clusterRole : twoNamespaces.ofKind("ClusterRole")) {
            assertThat(verbs(rulesFor(clusterRole, "", "secrets")))
                    .as(clusterRole.at("/metadata/name").asText())
                    .doesNotContain("create");
        }
        assertThat(twoNamespaces.ofKind("Role"))
                .filteredOn(r -> verbs(rulesFor(r, "", "secrets")).contains("create"))
                .extracting(r -> r.at("/metadata/namespace").asText())
                .containsExactly("a", "b");
    }

    @Test
    void theOutboundAllowListReachesTheOperatorOnlyWhenSet() throws Exception {
        assertThat(defaults.env("MLCYCLE_OUTBOUND_ALLOWED_HOSTS").isMissingNode()).isTrue();
        Chart.Rendered listed =
                Chart.template(
                        Map.of(
                                "outbound.allowedHosts[0]",
                                "prometheus.monitoring.svc",
                                "outbound.allowedHosts[1]",
                                "*.slack.com"));
        assertThat(listed.env("MLCYCLE_OUTBOUND_ALLOWED_HOSTS").asText())
                .isEqualTo("prometheus.monitoring.svc,*.slack.com");
    }

    @Test
    void s3StorageValuesReachTheOperatorOnlyWhenSet() throws Exception {
        assertThat(defaults.env("MLCYCLE_STORAGE_S3_ENDPOINT").isMissingNode()).isTrue();
        assertThat(defaults.env("MLCYCLE_STORAGE_S3_CREDENTIALS_SECRET").isMissingNode()).isTrue();

        Chart.Rendered s3 = Chart.templateWithValuesFile("values/s3-storage.yaml");
        assertThat(s3.env("MLCYCLE_STORAGE_S3_ENDPOINT").asText())
                .isEqualTo("http://minio.data:9000");
        assertThat(s3.env("MLCYCLE_STORAGE_S3_REGION").asText()).isEqualTo("eu-west-1");
        assertThat(s3.env("MLCYCLE_STORAGE_S3_PATH_STYLE").asText()).isEqualTo("true");
        assertThat(s3.env("MLCYCLE_STORAGE_S3_CREDENTIALS_SECRET").asText())
                .isEqualTo("lake-credentials");
    }

    @Test
    void valuesOverrideImagesClaimServiceAccountAndRuntimeSecurityContext() throws Exception {
        Chart.Rendered custom = Chart.templateWithValuesFile("values/custom-wiring.yaml");

        assertThat(custom.operatorContainer().get("image").asText())
                .isEqualTo("mlcycle/operator:9.9.9");
        assertThat(custom.env("MLCYCLE_IMAGES_TRAINER").asText())
                .isEqualTo("registry.example.com/ml/trainer:1.2.3");
        assertThat(custom.env("MLCYCLE_IMAGES_PIVOT").asText()).isEqualTo("mlcycle/pivot:0.1.0");
        assertThat(custom.env("MLCYCLE_DATA_CLAIM").asText()).isEqualTo("team-data");
        assertThat(custom.env("MLCYCLE_DATA_MOUNT_PATH").asText()).isEqualTo("/mnt/data");
        assertThat(custom.env("MLCYCLE_MODELS_URI").asText())
                .isEqualTo("file:///mnt/data/registry/");
        assertThat(custom.env("MLCYCLE_RUNTIME_SERVICE_ACCOUNT").asText()).isEqualTo("ml-pods");
        assertThat(
                        Chart.JSON
                                .readTree(custom.env("MLCYCLE_RUNTIME_SECURITY_CONTEXT").asText())
                                .get("runAsUser")
                                .asInt())
                .isEqualTo(20000);
        // An existing claim is used as it is: the chart creates none.
        assertThat(custom.ofKind("PersistentVolumeClaim")).isEmpty();
        assertThat(custom.ofKind("ServiceAccount"))
                .filteredOn(sa -> sa.at("/metadata/name").asText().equals("ml-pods"))
                .extracting(sa -> sa.at("/metadata/namespace").asText())
                .containsExactly(Chart.NAMESPACE, "extra");
    }

    @Test
    void runtimePodsGetAServiceAccountWithoutTokenOrPermissions() {
        for (Chart.Rendered rendered : List.of(defaults, twoNamespaces)) {
            List<JsonNode> runtimeAccounts =
                    rendered.ofKind("ServiceAccount").stream()
                            .filter(
                                    sa ->
                                            sa.at("/metadata/name")
                                                    .asText()
                                                    .equals("mlcycle-runtime"))
                            .toList();
            assertThat(runtimeAccounts).isNotEmpty();
            assertThat(runtimeAccounts)
                    .allSatisfy(
                            sa ->
                                    assertThat(
                                                    sa.get("automountServiceAccountToken")
                                                            .asBoolean(true))
                                            .isFalse());
            for (String bindingKind : List.of("RoleBinding", "ClusterRoleBinding")) {
                for (JsonNode binding : rendered.ofKind(bindingKind)) {
                    assertThat(texts(binding.get("subjects"), "name"))
                            .doesNotContain("mlcycle-runtime");
                }
            }
        }
        assertThat(namespacesOf(defaults, "ServiceAccount", "mlcycle-runtime"))
                .containsExactly(Chart.NAMESPACE);
        assertThat(namespacesOf(twoNamespaces, "ServiceAccount", "mlcycle-runtime"))
                .containsExactly("a", "b");
    }

    @Test
    void dataClaimIsCreatedReadWriteManyInEachRuntimeNamespaceAndKept() {
        assertThat(namespacesOf(defaults, "PersistentVolumeClaim", "mlcycle-data"))
                .containsExactly(Chart.NAMESPACE);
        assertThat(namespacesOf(twoNamespaces, "PersistentVolumeClaim", "mlcycle-data"))
                .containsExactly("a", "b");
        JsonNode claim = defaults.get("PersistentVolumeClaim", "mlcycle-data");
        assertThat(texts(claim.at("/spec/accessModes"))).containsExactly("ReadWriteMany");
        assertThat(claim.at("/spec/resources/requests/storage").asText()).isEqualTo("10Gi");
        assertThat(claim.at("/metadata/annotations/helm.sh~1resource-policy").asText())
                .isEqualTo("keep");
    }

    @Test
    void metricsServiceAndPodAreAnnotatedForPrometheus() {
        JsonNode service = defaults.get("Service", "mlcycle-metrics");
        JsonNode podAnnotations =
                defaults.get("Deployment", "mlcycle").at("/spec/template/metadata/annotations");

        assertThat(service.at("/spec/ports/0/targetPort").asText()).isEqualTo("http");
        assertThat(service.at("/spec/selector/app.kubernetes.io~1component").asText())
                .isEqualTo("operator");
        assertThat(service.at("/metadata/annotations/prometheus.io~1scrape").asText())
                .isEqualTo("true");
        assertThat(podAnnotations.at("/prometheus.io~1scrape").asText()).isEqualTo("true");
        assertThat(podAnnotations.at("/prometheus.io~1path").asText()).isEqualTo("/q/metrics");
        assertThat(podAnnotations.at("/prometheus.io~1port").asText()).isEqualTo("8080");
    }

    private static void assertHardened(JsonNode securityContext) {
        assertThat(securityContext.at("/runAsNonRoot").asBoolean()).isTrue();
        assertThat(securityContext.at("/runAsUser").asInt()).isEqualTo(10001);
        assertThat(securityContext.at("/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(securityContext.at("/allowPrivilegeEscalation").asBoolean(true)).isFalse();
        assertThat(texts(securityContext.at("/capabilities/drop"))).containsExactly("ALL");
        assertThat(securityContext.at("/seccompProfile/type").asText()).isEqualTo("RuntimeDefault");
    }
}
