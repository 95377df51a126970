using System.Text.Json.Nodes;
using YamlDotNet.RepresentationModel;
using static HeadlessSidecar.IntegrationTests.Deploy.Manifest;

namespace HeadlessSidecar.IntegrationTests.Deploy;

/// <summary>
/// One of deploy/examples rendered: its client (the pod template that gets the sidecar), the ConfigMap holding
/// the client's sidecar.json, and for each configured service the headless Service and StatefulSet it names.
/// </summary>
internal sealed class Example
{
    public const string DefaultConfigMap = "headless-sidecar";

    private Example(string name, Manifest manifest, YamlMappingNode client, YamlMappingNode configMap, JsonObject sidecar)
    {
        Name = name;
        Manifest = manifest;
        Client = client;
        ConfigMap = configMap;
        Configuration = sidecar;
    }

    public static TheoryData<string> Names => ["seed", "redis", "grpc"];

    public string Name { get; }

    public Manifest Manifest { get; }

    /// <summary>The Deployment labelled for injection.</summary>
    public YamlMappingNode Client { get; }

    public YamlMappingNode ConfigMap { get; }

    /// <summary>sidecar.json as the ConfigMap carries it.</summary>
    public JsonObject Configuration { get; }

    public string SidecarJson => RequiredText(ConfigMap, "data.[sidecar.json]");

    public string SourcePath => DeployTree.PathOf($"examples/{Name}/sidecar.json");

    public IEnumerable<(string Name, JsonObject Options)> ConfiguredServices =>
        Configuration["Sidecar"]!["Services"]!.AsObject().Select(s => (s.Key, s.Value!.AsObject()));

    public static async Task<Example> RenderAsync(string name, CancellationToken cancellationToken)
    {
        var manifest = await Manifest.RenderAsync($"examples/{name}", cancellationToken);
        var client = Assert.Single(manifest.OfKind("Deployment"),
            d => Map(d, "spec.template.metadata.labels").GetValueOrDefault("headless-sidecar.io/inject") == "enabled");
        var configMapName = Map(client, "spec.template.metadata.annotations").GetValueOrDefault("headless-sidecar.io/config-map") ?? DefaultConfigMap;
        var configMap = manifest.Single("ConfigMap", configMapName);
        var sidecar = JsonNode.Parse(RequiredText(configMap, "data.[sidecar.json]"))!.AsObject();
        return new Example(name, manifest, client, configMap, sidecar);
    }

    /// <summary>The headless Service a service's <c>Host</c> names (its full name: <c>svc.namespace.svc.cluster.local</c>).</summary>
    public YamlMappingNode ServiceFor(JsonObject options)
    {
        var host = options["Host"]!.GetValue<string>();
        var labels = host.Split('.');
        Assert.True(labels.Length == 5 && host.EndsWith(".svc.cluster.local", StringComparison.Ordinal),
            $"{Name}: Host '{host}' should be the Service's full name, <service>.<namespace>.svc.cluster.local");
        var service = Manifest.Single("Service", labels[0]);
        Assert.Equal(labels[1], Text(service, "metadata.namespace"));
        return service;
    }

    /// <summary>The StatefulSet whose pods the Service publishes.</summary>
    public YamlMappingNode StatefulSetFor(YamlMappingNode service) =>
        Assert.Single(Manifest.OfKind("StatefulSet"), s => Text(s, "spec.serviceName") == Text(service, "metadata.name"));
}
