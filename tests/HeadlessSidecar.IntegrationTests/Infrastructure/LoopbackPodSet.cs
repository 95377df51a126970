using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>The pods of a StatefulSet: <c>web-0</c> … <c>web-(n-1)</c>, each on a fresh loopback address, all on one port.</summary>
public sealed class LoopbackPodSet : IAsyncDisposable
{
    private const int StartAttempts = 3;

    private readonly LoopbackHttpPod[] _pods;

    private LoopbackPodSet(string statefulSet, int port, LoopbackHttpPod[] pods)
    {
        StatefulSet = statefulSet;
        Port = port;
        _pods = pods;
    }

    public string StatefulSet { get; }

    public int Port { get; }

    public IReadOnlyList<LoopbackHttpPod> Pods => _pods;

    public int Count => _pods.Length;

    public LoopbackHttpPod this[int ordinal] => _pods[ordinal];

    public LoopbackHttpPod this[string podName] =>
        Array.Find(_pods, p => p.Name == podName) ?? throw new KeyNotFoundException($"No pod '{podName}' in {StatefulSet}.");

    public int TotalRequestCount => _pods.Sum(p => p.RequestCount);

    /// <summary>Starts <paramref name="count"/> pods; port 0 picks one free on every pod's address.</summary>
    public static async Task<LoopbackPodSet> StartAsync(
        string statefulSet,
        int count,
        int port = 0,
        HttpProtocols protocols = HttpProtocols.Http1,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(statefulSet);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(count);
        ArgumentOutOfRangeException.ThrowIfNegative(port);

        for (var attempt = 1; ; attempt++)
        {
            var addresses = LoopbackAddresses.Next(count);
            var setPort = port == 0 ? LoopbackAddresses.FreePort(addresses) : port;
            var starts = addresses
                .Select((address, ordinal) => LoopbackHttpPod.StartAsync($"{statefulSet}-{ordinal}", address, setPort, protocols, cancellationToken))
                .ToArray();
            try
            {
                return new LoopbackPodSet(statefulSet, setPort, await Task.WhenAll(starts));
            }
            catch (Exception ex)
            {
                foreach (var start in starts.Where(s => s.IsCompletedSuccessfully))
                {
                    await start.Result.DisposeAsync();
                }

                // Another process took the chosen port on one of the addresses: try fresh ones.
                if (ex is not IOException || port != 0 || attempt >= StartAttempts)
                {
                    throw;
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var pod in _pods)
        {
            await pod.DisposeAsync();
        }
    }
}
