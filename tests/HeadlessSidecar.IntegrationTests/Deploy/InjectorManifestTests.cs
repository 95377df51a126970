using YamlDotNet.RepresentationModel;
using static HeadlessSidecar.IntegrationTests.Deploy.Manifest;

namespace HeadlessSidecar.IntegrationTests.Deploy;

/// <summary>deploy/injector as <c>kubectl kustomize</c> renders it: the fields the API server and the webhook rely on.</summary>
public sealed class InjectorManifestTests
{
    private const string Namespace = "headless-sidecar-system";
    private const string InjectLabel = "headless-sidecar.io/inject";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Render_Injector_EveryNamespacedObjectInItsOwnNamespace()
    {
        var manifest = await Manifest.RenderAsync("injector", Ct);
        var ns = manifest.Single("Namespace", Namespace);
        Assert.Equal("disabled", Map(ns, "metadata.labels")[InjectLabel]);
        Assert.Equal("restricted", Map(ns, "metadata.labels")["pod-security.kubernetes.io/enforce"]);
        foreach (var o in manifest.Objects.Where(o => Text(o, "kind") is not ("Namespace" or "MutatingWebhookConfiguration")))
        {
            Assert.Equal(Namespace, Text(o, "metadata.namespace"));
        }
    }

    [Fact]
    public async Task Render_Injector_WebhookEntriesOneSelectorEach_FailOpen_ExcludeSystemNamespaces()
    {
        var manifest = await Manifest.RenderAsync("injector", Ct);
        var configuration = manifest.Single("MutatingWebhookConfiguration");
        var service = manifest.Single("Service", "headless-sidecar-injector");
        var webhooks = List(configuration, "webhooks");
        Assert.Equal(2, webhooks.Count);
        foreach (var webhook in webhooks)
        {
            Assert.Equal("Ignore", Text(webhook, "failurePolicy"));
            Assert.Equal("None", Text(webhook, "sideEffects"));
            Assert.Equal("IfNeeded", Text(webhook, "reinvocationPolicy"));
            Assert.InRange(int.Parse(RequiredText(webhook, "timeoutSeconds"), System.Globalization.CultureInfo.InvariantCulture), 1, 5);
            Assert.Equal(["v1"], Texts(webhook, "admissionReviewVersions"));
            Assert.Equal("/inject", Text(webhook, "clientConfig.service.path"));
            Assert.Equal(Text(service, "metadata.name"), Text(webhook, "clientConfig.service.name"));
            Assert.Equal(Namespace, Text(webhook, "clientConfig.service.namespace"));
            Assert.Equal(Text(service, "spec.ports.0.port"), Text(webhook, "clientConfig.service.port"));
            var rule = Assert.Single(List(webhook, "rules"));
            Assert.Equal(["CREATE"], Texts(rule, "operations"));
            Assert.Equal(["pods"], Texts(rule, "resources"));
            Assert.Equal([""], Texts(rule, "apiGroups"));

            var excluded = Assert.Single(List(webhook, "namespaceSelector.matchExpressions"), e => Text(e, "key") == "kubernetes.io/metadata.name");
            Assert.Equal("NotIn", Text(excluded, "operator"));
            Assert.Contains("kube-system", Texts(excluded, "values"));
            Assert.Contains(Namespace, Texts(excluded, "values"));
        }

        // One entry per opt-in: the pod's label, or its namespace's label (and then a pod can still opt out).
        var byObject = Assert.Single(webhooks, w => Map(w, "objectSelector.matchLabels").GetValueOrDefault(InjectLabel) == "enabled");
        Assert.Empty(Map(byObject, "namespaceSelector.matchLabels"));
        var byNamespace = Assert.Single(webhooks, w => Map(w, "namespaceSelector.matchLabels").GetValueOrDefault(InjectLabel) == "enabled");
        Assert.Empty(Map(byNamespace, "objectSelector.matchLabels"));
        var optOut = Assert.Single(List(byNamespace, "objectSelector.matchExpressions"));
        Assert.Equal(InjectLabel, Text(optOut, "key"));
        Assert.Equal("NotIn", Text(optOut, "operator"));
        Assert.Equal(["disabled"], Texts(optOut, "values"));
    }

    [Fact]
    public async Task Render_Injector_CertManagerIssuesTheServiceNameAndInjectsItsCa()
    {
        var manifest = await Manifest.RenderAsync("injector", Ct);
        var configuration = manifest.Single("MutatingWebhookConfiguration");
        var certificate = manifest.Single("Certificate");
        var service = manifest.Single("Service", "headless-sidecar-injector");

        Assert.Equal($"{Namespace}/{Text(certificate, "metadata.name")}", Text(configuration, "metadata.annotations.[cert-manager.io/inject-ca-from]"));
        Assert.Contains($"{Text(service, "metadata.name")}.{Namespace}.svc", Texts(certificate, "spec.dnsNames"));
        var issuer = manifest.Single("Issuer", RequiredText(certificate, "spec.issuerRef.name"));
        Assert.Equal("Issuer", Text(certificate, "spec.issuerRef.kind"));
        Assert.NotNull(Node(issuer, "spec.selfSigned"));

        // The Deployment mounts that Secret where its --tls-cert and --tls-key point.
        var pod = Node(manifest.Single("Deployment"), "spec.template.spec")!;
        var volume = Assert.Single(List(pod, "volumes"), v => Text(v, "secret.secretName") == Text(certificate, "spec.secretName"));
        var container = List(pod, "containers")[0];
        var mount = Assert.Single(List(container, "volumeMounts"), m => Text(m, "name") == Text(volume, "name"));
        Assert.Equal("true", Text(mount, "readOnly"));
        var args = Texts(container, "args");
        Assert.Equal(RequiredText(mount, "mountPath") + "/tls.crt", args[args.ToList().IndexOf("--tls-cert") + 1]);
        Assert.Equal(RequiredText(mount, "mountPath") + "/tls.key", args[args.ToList().IndexOf("--tls-key") + 1]);
    }

    [Fact]
    public async Task Render_Injector_TwoSpreadReplicas_PdbAndServiceSelectTheirPods_ProbesOverHttps()
    {
        var manifest = await Manifest.RenderAsync("injector", Ct);
        var deployment = manifest.Single("Deployment", "headless-sidecar-injector");
        var podLabels = Map(deployment, "spec.template.metadata.labels");
        Assert.Equal("2", Text(deployment, "spec.replicas"));
        AssertSelects(Map(deployment, "spec.selector.matchLabels"), podLabels);
        Assert.Equal("disabled", podLabels[InjectLabel]);
        var spread = List(deployment, "spec.template.spec.topologySpreadConstraints");
        Assert.Contains(spread, s => Text(s, "topologyKey") == "kubernetes.io/hostname");
        Assert.All(spread, s => AssertSelects(Map(s, "labelSelector.matchLabels"), podLabels));

        var pdb = manifest.Single("PodDisruptionBudget");
        Assert.Equal("1", Text(pdb, "spec.minAvailable"));
        AssertSelects(Map(pdb, "spec.selector.matchLabels"), podLabels);

        var service = manifest.Single("Service", "headless-sidecar-injector");
        AssertSelects(Map(service, "spec.selector"), podLabels);
        Assert.Equal("443", Text(service, "spec.ports.0.port"));
        var container = List(deployment, "spec.template.spec.containers")[0];
        var port = Assert.Single(List(container, "ports"), p => Text(p, "name") == Text(service, "spec.ports.0.targetPort"));
        Assert.Equal("8443", Text(port, "containerPort"));

        var args = Texts(container, "args");
        Assert.Equal("webhook", args[0]);
        Assert.Equal("0.0.0.0:8443", args[args.ToList().IndexOf("--listen") + 1]);
        foreach (var (probe, path) in new[] { ("readinessProbe", "/readyz"), ("livenessProbe", "/healthz") })
        {
            Assert.Equal(path, Text(container, $"{probe}.httpGet.path"));
            Assert.Equal("HTTPS", Text(container, $"{probe}.httpGet.scheme"));
            Assert.Equal(Text(port, "name"), Text(container, $"{probe}.httpGet.port"));
        }
    }

    [Fact]
    public async Task Render_Injector_RestrictedSecurityContextAsTheImageUser()
    {
        var manifest = await Manifest.RenderAsync("injector", Ct);
        var pod = Node(manifest.Single("Deployment"), "spec.template.spec")!;
        Assert.Equal("1654", Text(pod, "securityContext.runAsUser"));
        Assert.Equal("true", Text(pod, "securityContext.runAsNonRoot"));
        Assert.Equal("RuntimeDefault", Text(pod, "securityContext.seccompProfile.type"));
        Assert.Equal("false", Text(pod, "automountServiceAccountToken"));
        var container = List(pod, "containers")[0];
        Assert.Equal("1654", Text(container, "securityContext.runAsUser"));
        Assert.Equal("false", Text(container, "securityContext.allowPrivilegeEscalation"));
        Assert.Equal("true", Text(container, "securityContext.readOnlyRootFilesystem"));
        Assert.Equal(["ALL"], Texts(container, "securityContext.capabilities.drop"));
    }

    [Fact]
    public async Task Render_OverlaySetsImages_InjectorAndInjectedSidecarImageFollow()
    {
        var manifest = await Manifest.RenderAsync("injector", Ct);
        var container = List(manifest.Single("Deployment"), "spec.template.spec.containers")[0];
        Assert.StartsWith("headless-sidecar:", RequiredText(container, "image"), StringComparison.Ordinal);
        AssertInjectedImage(container, RequiredText(container, "image"));

        using var overlay = new TempOverlay(directory => $"""
            resources:
              - {TempOverlay.From(directory, "injector")}
            images:
              - name: headless-sidecar
                newName: registry.example.com/platform/headless-sidecar
                newTag: "9.8.7"
            """);
        var overlaid = Manifest.Parse(await Kubectl.KustomizeAsync(overlay.Directory, Ct));
        var overlaidContainer = List(overlaid.Single("Deployment"), "spec.template.spec.containers")[0];
        Assert.Equal("registry.example.com/platform/headless-sidecar:9.8.7", Text(overlaidContainer, "image"));
        AssertInjectedImage(overlaidContainer, "registry.example.com/platform/headless-sidecar:9.8.7");
    }

    private static void AssertInjectedImage(YamlNode container, string expected)
    {
        var args = Texts(container, "args").ToList();
        Assert.Equal("$(SIDECAR_IMAGE)", args[args.IndexOf("--image") + 1]);
        var env = Assert.Single(List(container, "env"), e => Text(e, "name") == "SIDECAR_IMAGE");
        Assert.Equal(expected, Text(env, "value"));
    }

    internal static void AssertSelects(IReadOnlyDictionary<string, string> selector, IReadOnlyDictionary<string, string> labels)
    {
        Assert.NotEmpty(selector);
        foreach (var (key, value) in selector)
        {
            Assert.True(labels.TryGetValue(key, out var actual) && actual == value,
                $"selector {key}={value} does not match the labels {string.Join(", ", labels.Select(l => $"{l.Key}={l.Value}"))}");
        }
    }
}
