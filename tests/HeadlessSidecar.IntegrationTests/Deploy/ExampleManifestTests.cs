using System.Text.Json;
using System.Text.Json.Nodes;
using static HeadlessSidecar.IntegrationTests.Deploy.Manifest;

namespace HeadlessSidecar.IntegrationTests.Deploy;

/// <summary>deploy/examples rendered: the services each sidecar.json names exist, are headless and select their pods.</summary>
public sealed class ExampleManifestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Theory]
    [MemberData(nameof(Example.Names), MemberType = typeof(Example))]
    public async Task Render_Example_ClientOptsIn_ConfigMapCarriesSidecarJsonUnchanged(string name)
    {
        var example = await Example.RenderAsync(name, Ct);
        Assert.Equal("default", Text(example.Client, "metadata.namespace"));
        Assert.Equal("default", Text(example.ConfigMap, "metadata.namespace"));
        // A fixed name (no kustomize hash suffix): the annotation, or the injector's default, names it as written.
        Assert.Equal(name == "seed" ? Example.DefaultConfigMap : $"headless-sidecar-{name}",
            Text(example.ConfigMap, "metadata.name"));
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(await File.ReadAllTextAsync(example.SourcePath, Ct)), JsonNode.Parse(example.SidecarJson)));

        // The probes reach the admin port only on its default address.
        var admin = example.Configuration["Sidecar"]!["Admin"]?["Listen"]?.GetValue<string>();
        Assert.True(admin is null or "0.0.0.0:18090", $"Admin:Listen must stay 0.0.0.0:18090, not {admin}");
        Assert.All(example.ConfiguredServices, s => Assert.StartsWith("127.0.0.1:", s.Options["Listen"]!.GetValue<string>(), StringComparison.Ordinal));
    }

    [Theory]
    [MemberData(nameof(Example.Names), MemberType = typeof(Example))]
    public async Task Render_Example_EveryServiceIsHeadless_SelectsItsStatefulSet_NamesThePort(string name)
    {
        var example = await Example.RenderAsync(name, Ct);
        foreach (var (service, options) in example.ConfiguredServices)
        {
            var headless = example.ServiceFor(options);
            Assert.Equal("None", Text(headless, "spec.clusterIP"));
            var statefulSet = example.StatefulSetFor(headless);
            InjectorManifestTests.AssertSelects(Map(headless, "spec.selector"), Map(statefulSet, "spec.template.metadata.labels"));
            InjectorManifestTests.AssertSelects(Map(statefulSet, "spec.selector.matchLabels"), Map(statefulSet, "spec.template.metadata.labels"));

            var portName = options["PortName"]!.GetValue<string>();
            var port = Assert.Single(List(headless, "spec.ports"), p => Text(p, "name") == portName);
            var container = List(statefulSet, "spec.template.spec.containers")[0];
            Assert.True(List(container, "ports").Any(p => Text(p, "name") == Text(port, "targetPort") || Text(p, "containerPort") == Text(port, "targetPort")),
                $"{name}: service {service}'s port {portName} targets no port of StatefulSet {Text(statefulSet, "metadata.name")}");
        }
    }

    [Fact]
    public async Task Render_Seed_TheSeedShape()
    {
        var example = await Example.RenderAsync("seed", Ct);
        var web = example.Manifest.Single("StatefulSet", "web");
        Assert.Equal("3", Text(web, "spec.replicas"));
        Assert.StartsWith("nginx:", Text(web, "spec.template.spec.containers.0.image"), StringComparison.Ordinal);
        var service = example.Manifest.Single("Service", "nginx-headless");
        Assert.Equal("None", Text(service, "spec.clusterIP"));
        Assert.Equal("web", Text(service, "spec.ports.0.name"));
        Assert.Equal("80", Text(service, "spec.ports.0.port"));
        var (_, options) = Assert.Single(example.ConfiguredServices);
        Assert.Equal("nginx-headless.default.svc.cluster.local", options["Host"]!.GetValue<string>());
    }

    [Fact]
    public async Task Render_Redis_PrimaryAndReplicaServicesRoutedByRole()
    {
        var example = await Example.RenderAsync("redis", Ct);
        var services = example.ConfiguredServices.ToList();
        Assert.Equal(2, services.Count);
        Assert.Equal(["Primary", "Replica"], services.Select(s => s.Options["Role"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.All(services, s =>
        {
            Assert.Equal("Tcp", s.Options["Protocol"]!.GetValue<string>());
            Assert.Equal("Redis", s.Options["Health"]!["Check"]!.GetValue<string>());
        });
        Assert.Single(services.Select(s => s.Options["Host"]!.GetValue<string>()).Distinct());
    }

    [Fact]
    public async Task Render_Grpc_UpstreamHttp2()
    {
        var example = await Example.RenderAsync("grpc", Ct);
        var (_, options) = Assert.Single(example.ConfiguredServices);
        Assert.Equal(JsonValueKind.String, options["UpstreamHttpVersion"]!.GetValueKind());
        Assert.Equal("2", options["UpstreamHttpVersion"]!.GetValue<string>());
        Assert.Equal("Http", options["Protocol"]!.GetValue<string>());
    }
}
