package io.mlcycle.local;

import io.fabric8.kubernetes.api.model.APIGroup;
import io.fabric8.kubernetes.api.model.APIResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.mlcycle.task.TaskJson;
import io.mlcycle.testing.MockApiTier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Local mode's API answers what kubectl asks: discovery with the mlcycle category and short names,
 * server-side printing with the CRDs' printer columns, and — with the real kubectl when it is
 * installed — get, apply, patch and edit through the kubeconfig local mode writes.
 */
@MockApiTier
class KubectlIT {

    static final String API = ResourceTable.API_VERSION;

    static MockApi api;
    static KubectlProxy proxy;
    static KubernetesClient client;
    static Path root;

    @TempDir static Path tmp;

    @BeforeAll
    static void start() {
        root = Path.of(System.getProperty("mlcycle.project.root")).toAbsolutePath();
        api = MockApi.start();
        api.createCrds(root.resolve("crds"));
        client = api.client();
        proxy = KubectlProxy.start(api);
    }

    @AfterAll
    static void stop() {
        if (proxy != null) {
            proxy.close();
        }
        if (api != null) {
            api.close();
        }
    }

    @Test
    void discoveryListsTheMlcycleKindsWithTheirShortNamesAndCategory() {
        String group = API.substring(0, API.indexOf('/'));
        List<String> groups =
                client.getApiGroups().getGroups().stream().map(APIGroup::getName).toList();
        assertThat(groups).contains(group, "apps", "batch");
        List<APIResource> resources = client.getApiResources(API).getResources();
        assertThat(resources)
                .filteredOn(r -> r.getName().equals("featureviews"))
                .singleElement()
                .satisfies(
                        r -> {
                            assertThat(r.getKind()).isEqualTo("FeatureView");
                            assertThat(r.getNamespaced()).isTrue();
                            assertThat(r.getShortNames()).contains("fv");
                            assertThat(r.getCategories()).contains("mlcycle");
                            assertThat(r.getVerbs()).contains("list", "patch", "watch");
                        });
        assertThat(resources.stream().map(APIResource::getName))
                .contains(
                        "featureviews",
                        "featureviews/status",
                        "trainingruns",
                        "modelversions",
                        "modeldeployments");
        assertThat(client.getApiResources("v1").getResources().stream().map(APIResource::getName))
                .contains("pods", "events", "secrets");
    }

    @Test
    void aTableRequestGetsThePrinterColumnsWithTheStatusValues() throws Exception {
        GenericKubernetesResource fv =
                new GenericKubernetesResourceBuilder()
                        .withApiVersion(API)
                        .withKind("FeatureView")
                        .withNewMetadata()
                        .withName("table-view")
                        .withNamespace("tables")
                        .endMetadata()
                        .addToAdditionalProperties("spec", Map.of("entity", "user_id"))
                        .build();
        client.resource(fv).create();
        GenericKubernetesResource created =
                client.genericKubernetesResources(API, "FeatureView")
                        .inNamespace("tables")
                        .withName("table-view")
                        .get();
        created.getAdditionalProperties()
                .put(
                        "status",
                        Map.of(
                                "phase",
                                "Ready",
                                "latest",
                                Map.of("asOf", "2026-11-20", "entities", 4938)));
        client.resource(created).updateStatus();

        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create(
                                                        api.url()
                                                                + "/apis/"
                                                                + API
                                                                + "/namespaces/tables/featureviews"))
                                        .header(
                                                "Accept",
                                                "application/json;as=Table;v=v1;g=meta.k8s.io,"
                                                        + "application/json")
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        var table = TaskJson.MAPPER.readTree(r.body());
        assertThat(table.path("kind").asText()).isEqualTo("Table");
        List<String> columns = new ArrayList<>();
        table.path("columnDefinitions").forEach(c -> columns.add(c.path("name").asText()));
        assertThat(columns).startsWith("Name").contains("Phase", "As-Of", "Entities", "Age");
        var row = table.path("rows").get(0);
        assertThat(row.path("cells").get(0).asText()).isEqualTo("table-view");
        assertThat(row.path("cells").get(columns.indexOf("Phase")).asText()).isEqualTo("Ready");
        assertThat(row.path("cells").get(columns.indexOf("Entities")).asInt()).isEqualTo(4938);
        assertThat(row.path("cells").get(columns.indexOf("Age")).asText()).matches("[0-9]+s");
        assertThat(row.path("object").path("metadata").path("name").asText())
                .isEqualTo("table-view");
    }

    @Test
    void agesReadAsKubectlPrintsThem() {
        Instant now = Instant.parse("2026-12-02T10:00:00Z");
        assertThat(KubectlSupport.age("2026-12-02T09:59:15Z", now)).isEqualTo("45s");
        assertThat(KubectlSupport.age("2026-12-02T09:56:48Z", now)).isEqualTo("3m12s");
        assertThat(KubectlSupport.age("2026-12-02T09:18:00Z", now)).isEqualTo("42m");
        assertThat(KubectlSupport.age("2026-12-02T04:57:00Z", now)).isEqualTo("5h3m");
        assertThat(KubectlSupport.age("2026-12-01T04:00:00Z", now)).isEqualTo("30h");
        assertThat(KubectlSupport.age("2026-11-28T10:00:00Z", now)).isEqualTo("4d");
        assertThat(KubectlSupport.age("yesterday", now)).isEqualTo("<invalid>");
    }

    @Test
    void kubectlAppliesGetsPatchesAndEditsTheQuickstartThroughTheWrittenKubeconfig()
            throws Exception {
        Path kubectl = onPath("kubectl");
        assumeTrue(kubectl != null, "kubectl is not installed");
        Path kubeconfig = api.writeKubeconfig(tmp.resolve("kubeconfig"), proxy.url());

        Result apply =
                kubectl(
                        kubectl,
                        kubeconfig,
                        "apply",
                        "--server-side",
                        "-f",
                        root.resolve("examples/quickstart").toString());
        assertThat(apply.out())
                .contains(
                        "featureview.mlcycle.io/kpi",
                        "trainingrun.mlcycle.io/return-predictor",
                        "modeldeployment.mlcycle.io/return-predictor");

        Result get = kubectl(kubectl, kubeconfig, "get", "mlcycle");
        assertThat(get.out())
                .contains("featureview.mlcycle.io/item-events")
                .contains("trainingrun.mlcycle.io/return-predictor")
                .contains("PHASE");

        kubectl(
                kubectl,
                kubeconfig,
                "patch",
                "fv",
                "kpi",
                "--type",
                "merge",
                "-p",
                "{\"spec\":{\"asOf\":\"2026-11-21\"}}");
        assertThat(
                        ResourceTable.get(
                                client.genericKubernetesResources(API, "FeatureView")
                                        .inNamespace("default")
                                        .withName("kpi")
                                        .get(),
                                "spec",
                                "asOf"))
                .isEqualTo("2026-11-21");

        Path editor = tmp.resolve("editor.sh");
        Files.writeString(
                editor, "#!/bin/sh\nsed -i 's/testFraction: 0.2/testFraction: 0.25/' \"$1\"\n");
        editor.toFile().setExecutable(true);
        Result edit =
                kubectl(
                        kubectl,
                        kubeconfig,
                        Map.of("KUBE_EDITOR", editor.toString()),
                        "edit",
                        "tr",
                        "return-predictor");
        assertThat(edit.out()).contains("edited");
        Result jsonPath =
                kubectl(
                        kubectl,
                        kubeconfig,
                        "get",
                        "trainingrun",
                        "return-predictor",
                        "-o",
                        "jsonpath={.spec.validation.testFraction}");
        assertThat(jsonPath.out().trim()).isEqualTo("0.25");
    }

    @Test
    void kubectlListsTheAutoscalersAndDisruptionBudgetsOfServing() throws Exception {
        Path kubectl = onPath("kubectl");
        assumeTrue(kubectl != null, "kubectl is not installed");
        Path kubeconfig = api.writeKubeconfig(tmp.resolve("kubeconfig-scaling"), proxy.url());
        client.policy()
                .v1()
                .podDisruptionBudget()
                .inNamespace("default")
                .resource(
                        new io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudgetBuilder()
                                .withNewMetadata()
                                .withName("served")
                                .endMetadata()
                                .withNewSpec()
                                .withMaxUnavailable(
                                        new io.fabric8.kubernetes.api.model.IntOrString(1))
                                .endSpec()
                                .build())
                .create();

        assertThat(kubectl(kubectl, kubeconfig, "get", "pdb", "-o", "name").out())
                .contains("poddisruptionbudget.policy/served");
        assertThat(kubectl(kubectl, kubeconfig, "get", "hpa").out()).doesNotContain("error");
    }

    @Test
    void kubectlGetWatchPrintsAStatusChangeAsItHappens() throws Exception {
        Path kubectl = onPath("kubectl");
        assumeTrue(kubectl != null, "kubectl is not installed");
        Path kubeconfig = api.writeKubeconfig(tmp.resolve("kubeconfig-watch"), proxy.url());
        client.resource(
                        new GenericKubernetesResourceBuilder()
                                .withApiVersion(API)
                                .withKind("FeatureView")
                                .withNewMetadata()
                                .withName("watched")
                                .withNamespace("watching")
                                .endMetadata()
                                .addToAdditionalProperties("spec", Map.of("entity", "user_id"))
                                .build())
                .create();
        ProcessBuilder pb =
                new ProcessBuilder(kubectl.toString(), "get", "fv", "-n", "watching", "-w")
                        .redirectErrorStream(true);
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        pb.environment().put("HOME", tmp.toString());
        Process watch = pb.start();
        StringBuffer seen = new StringBuffer();
        Thread reader =
                new Thread(
                        () -> {
                            try (var in = watch.inputReader()) {
                                String line;
                                while ((line = in.readLine()) != null) {
                                    seen.append(line).append('\n');
                                }
                            } catch (IOException e) {
                                // the process was stopped
                            }
                        });
        reader.setDaemon(true);
        reader.start();
        try {
            org.awaitility.Awaitility.await("the listing")
                    .atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> seen.toString().contains("watched"));
            GenericKubernetesResource fv =
                    client.genericKubernetesResources(API, "FeatureView")
                            .inNamespace("watching")
                            .withName("watched")
                            .get();
            fv.getAdditionalProperties().put("status", Map.of("phase", "Materializing"));
            client.resource(fv).updateStatus();
            org.awaitility.Awaitility.await("the change, printed by kubectl get -w")
                    .atMost(java.time.Duration.ofSeconds(30))
                    .until(() -> seen.toString().contains("Materializing"));
            assertThat(seen.toString()).contains("PHASE");
        } finally {
            watch.destroy();
            watch.waitFor(10, TimeUnit.SECONDS);
        }
    }

    record Result(String out) {}

    static Result kubectl(Path kubectl, Path kubeconfig, String... args)
            throws IOException, InterruptedException {
        return kubectl(kubectl, kubeconfig, Map.of(), args);
    }

    static Result kubectl(Path kubectl, Path kubeconfig, Map<String, String> env, String... args)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(kubectl.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("KUBECONFIG", kubeconfig.toString());
        pb.environment().put("HOME", tmp.toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("kubectl " + String.join(" ", args) + ":\n" + out).isZero();
        return new Result(out);
    }

    static Path onPath(String binary) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path p = Path.of(dir, binary);
            if (Files.isExecutable(p)) {
                return p;
            }
        }
        return null;
    }
}
