using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Probes;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using static HeadlessSidecar.IntegrationTests.Deploy.Manifest;

namespace HeadlessSidecar.IntegrationTests.Deploy;

/// <summary>
/// What an example's sidecar would find in the cluster, on loopback: for every headless Service its sidecar.json
/// names, the StatefulSet's pods as real servers (HTTP/1.1 or h2c pods, or redis-server with redis-0 the primary
/// and the others its replicas), and a Knot server answering for them as cluster DNS would.
/// </summary>
internal sealed class ExampleCluster : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _parts = [];

    private ExampleCluster()
    {
    }

    public KnotDnsServer Dns { get; private set; } = null!;

    /// <summary>Pod names per headless Service name.</summary>
    public Dictionary<string, string[]> Pods { get; } = new(StringComparer.Ordinal);

    public static async Task<ExampleCluster> StartAsync(Example example, CancellationToken cancellationToken)
    {
        var cluster = new ExampleCluster();
        try
        {
            var zone = new ClusterZone { Ttl = 1, NegativeTtl = 1 };
            foreach (var group in example.ConfiguredServices.GroupBy(s => s.Options["Host"]!.GetValue<string>(), StringComparer.Ordinal))
            {
                var options = group.First().Options;
                var service = example.ServiceFor(options);
                var statefulSet = example.StatefulSetFor(service);
                var name = RequiredText(statefulSet, "metadata.name");
                var replicas = int.Parse(RequiredText(statefulSet, "spec.replicas"), CultureInfo.InvariantCulture);
                var (addresses, port) = await cluster.StartPodsAsync(name, replicas, options, cancellationToken);
                var headless = zone.AddService(RequiredText(service, "metadata.name"), RequiredText(service, "metadata.namespace"),
                    (options["PortName"]!.GetValue<string>(), port));
                for (var i = 0; i < replicas; i++)
                {
                    headless.AddPod($"{name}-{i}", addresses[i]);
                }
                cluster.Pods[headless.Name] = [.. Enumerable.Range(0, replicas).Select(i => $"{name}-{i}")];
            }
            cluster.Dns = await KnotDnsServer.StartAsync(zone, cancellationToken);
            cluster._parts.Add(cluster.Dns);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    private async Task<(IReadOnlyList<IPAddress> Addresses, int Port)> StartPodsAsync(string statefulSet, int replicas, JsonObject options, CancellationToken cancellationToken)
    {
        if (options["Health"]?["Check"]?.GetValue<string>() == "Redis")
        {
            var addresses = LoopbackAddresses.Next(replicas);
            var port = LoopbackAddresses.FreePort(addresses);
            for (var i = 0; i < replicas; i++)
            {
                string[] arguments = i == 0 ? [] : ["--replicaof", addresses[0].ToString(), port.ToString(CultureInfo.InvariantCulture)];
                _parts.Add(await ProbeTarget.StartRedisAsync(arguments, addresses[i], port, cancellationToken));
            }
            return (addresses, port);
        }

        Assert.Equal("Http", options["Protocol"]?.GetValue<string>() ?? "Http");
        var protocols = options["UpstreamHttpVersion"]?.GetValue<string>() == "2" ? HttpProtocols.Http2 : HttpProtocols.Http1;
        var pods = await LoopbackPodSet.StartAsync(statefulSet, replicas, protocols: protocols, cancellationToken: cancellationToken);
        _parts.Add(pods);
        return ([.. pods.Pods.Select(p => p.Address)], pods.Port);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var part in Enumerable.Reverse(_parts))
        {
            await part.DisposeAsync();
        }
    }
}
