using System.Net;
using System.Text.Json.Nodes;
using HeadlessSidecar.Injection.Yaml;
using HeadlessSidecar.IntegrationTests.Sidecar;
using HeadlessSidecar.Tests.Injection;

namespace HeadlessSidecar.IntegrationTests.Webhook;

/// <summary>
/// The real <c>webhook</c> executable with the real injection engine: its patch, applied as the API server would,
/// gives the pod <c>headless-sidecar inject</c> writes with the same flags.
/// </summary>
public sealed class WebhookEndToEndTests : IDisposable
{
    private const string MetricName = "headless_sidecar_injector_admissions_total";
    private const string Uid = "b3f1c8a2-0d1e-4c55-9a7e-2f6d8c0e4a11";

    // Flags other than the defaults, so a webhook that ignored them would not match inject's output.
    private static readonly string[] InjectorFlags = ["--mode", "native", "--image", "registry.example/headless-sidecar:9.9.9", "--config-map", "web-client-sidecar"];

    // The seed example's client (deploy/examples/seed/client.yaml) as the Pod its Deployment creates.
    private const string SeedClientPod = """
        apiVersion: v1
        kind: Pod
        metadata:
          generateName: web-client-6d4f9b7c8-
          namespace: default
          labels:
            app.kubernetes.io/name: web-client
            headless-sidecar.io/inject: enabled
          annotations:
            headless-sidecar.io/config-map: headless-sidecar
        spec:
          securityContext:
            runAsNonRoot: true
            runAsUser: 100
            seccompProfile:
              type: RuntimeDefault
          containers:
            - name: client
              image: curlimages/curl:8.11.1
              command: ["/bin/sh", "-c"]
              args:
                - |
                  while true; do
                    curl -s -o /dev/null -w 'balanced %{http_code}\n' http://127.0.0.1:18001/
                    sleep 5
                  done
              resources:
                requests:
                  cpu: 5m
                  memory: 8Mi
                limits:
                  memory: 32Mi
              securityContext:
                allowPrivilegeEscalation: false
                readOnlyRootFilesystem: true
                capabilities:
                  drop: ["ALL"]
        """;

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("headless-sidecar-webhook-e2e-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Inject_SeedClientPod_PatchEqualsInjectCommandOutputCountedAndSigtermExits0()
    {
        await using var webhook = await WebhookProcess.StartAsync(InjectorFlags, Ct);
        var pod = Json(SeedClientPod);

        var (status, body) = await webhook.PostReviewAsync(ReviewOf(pod), Ct);

        Assert.Equal(HttpStatusCode.OK, status);
        var response = JsonNode.Parse(body)!["response"]!.AsObject();
        Assert.Equal(Uid, response["uid"]!.GetValue<string>());
        Assert.True(response["allowed"]!.GetValue<bool>(), body);
        Assert.Equal("JSONPatch", response["patchType"]?.GetValue<string>());
        var patch = JsonNode.Parse(Convert.FromBase64String(response["patch"]!.GetValue<string>()))!.AsArray();
        Assert.NotEmpty(patch);
        var patched = JsonPatchTestApplier.Apply(pod, patch);
        var injected = Json(await InjectCommandOutputAsync(SeedClientPod));
        Assert.NotEqual(pod.ToJsonString(), injected.ToJsonString()); // inject did inject: the comparison below means something
        Assert.True(JsonNode.DeepEquals(injected, patched), $"webhook:\n{patched.ToJsonString()}\ninject:\n{injected.ToJsonString()}");

        var metrics = await webhook.MetricsAsync(Ct);
        Assert.Equal(1, TestSidecar.Series(metrics, MetricName, ("result", "injected")));
        Assert.Equal(0, TestSidecar.Series(metrics, MetricName, ("result", "skipped")));
        Assert.Equal(0, TestSidecar.Series(metrics, MetricName, ("result", "error")));

        var exit = await webhook.TerminateAsync(TimeSpan.FromSeconds(15), Ct);
        Assert.True(exit == 0, webhook.Process.Describe());
    }

    private async Task<string> InjectCommandOutputAsync(string yaml)
    {
        var file = Path.Combine(_directory.FullName, "pod.yaml");
        await File.WriteAllTextAsync(file, yaml, Ct);
        await using var inject = SidecarProcess.Start(["inject", "-f", file, .. InjectorFlags]);
        var exit = await inject.WaitForExitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.True(exit == 0, inject.Describe());
        return inject.StandardOutput;
    }

    private static JsonNode Json(string yaml)
    {
        var document = Assert.Single(ManifestStreamReader.Read(yaml));
        return YamlMeaning.ToJson(document.Root)!;
    }

    private static string ReviewOf(JsonNode pod) => new JsonObject
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["request"] = new JsonObject
        {
            ["uid"] = Uid,
            ["kind"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["kind"] = "Pod" },
            ["resource"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["resource"] = "pods" },
            ["namespace"] = "default",
            ["operation"] = "CREATE",
            ["object"] = pod.DeepClone(),
        },
    }.ToJsonString();
}
