using Grpc.Core;
using Grpc.Net.Client;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Sidecar.Grpc;

/// <summary>
/// <see cref="TestCluster"/>'s shape with gRPC pods: StatefulSet <c>web</c> behind headless Service
/// <c>nginx-headless</c>, <see cref="GrpcPod"/>s on fresh loopback addresses, a real Knot server for the zone.
/// </summary>
internal sealed class GrpcCluster : IAsyncDisposable
{
    private GrpcCluster(GrpcPod[] pods, KnotDnsServer dns)
    {
        Pods = pods;
        Dns = dns;
    }

    public IReadOnlyList<GrpcPod> Pods { get; }

    public KnotDnsServer Dns { get; }

    public static async Task<GrpcCluster> StartAsync(int count, CancellationToken cancellationToken)
    {
        var addresses = LoopbackAddresses.Next(count);
        var port = LoopbackAddresses.FreePort(addresses);
        var pods = new List<GrpcPod>();
        try
        {
            for (var i = 0; i < count; i++)
            {
                pods.Add(await GrpcPod.StartAsync($"web-{i}", addresses[i], port, cancellationToken));
            }
            foreach (var pod in pods)
            {
                await AnswersDirectlyAsync(pod, cancellationToken);
                pod.Behaviour.ResetCalls();
            }
            var zone = new ClusterZone { Ttl = 1, NegativeTtl = 1 };
            var service = zone.AddService(TestCluster.ServiceName, "default", ("web", port));
            foreach (var pod in pods)
            {
                service.AddPod(pod.Name, pod.Address);
            }
            var dns = await KnotDnsServer.StartAsync(zone, cancellationToken);
            return new GrpcCluster([.. pods], dns);
        }
        catch
        {
            foreach (var pod in pods)
            {
                await pod.DisposeAsync();
            }
            throw;
        }
    }

    /// <summary>A pod is part of the cluster once it answers a call made to it directly, not through a sidecar.</summary>
    private static async Task AnswersDirectlyAsync(GrpcPod pod, CancellationToken cancellationToken)
    {
        using var channel = GrpcChannel.ForAddress($"http://{pod.Address}:{pod.Port}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { UseProxy = false },
            DisposeHttpClient = true,
        });
        var invoker = channel.CreateCallInvoker();
        await Poll.UntilAsync(async ct => await invoker.AsyncUnaryCall(TestGrpcService.Echo, null,
                new CallOptions(deadline: DateTime.UtcNow.AddSeconds(5), cancellationToken: ct), "ready") == pod.Name,
            $"gRPC pod {pod.Name} answering Echo", cancellationToken: cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await Dns.DisposeAsync();
        foreach (var pod in Pods)
        {
            await pod.DisposeAsync();
        }
    }
}
