using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Demo;

/// <summary>
/// The demo StatefulSet <c>web</c>: pods <c>web-0..N-1</c> on 127.0.0.21, .22, … (all on loopback on Linux and
/// Windows; macOS needs the aliases added), one port for all, as a named container port is.
/// </summary>
internal sealed partial class DemoPodSet : IAsyncDisposable
{
    public const int DefaultReplicas = 3;
    public const string StatefulSetName = "web";

    /// <summary>The last octet of web-0's address; web-N gets this plus N.</summary>
    private const int FirstHostOctet = 21;

    private const int MaxReplicas = 254 - FirstHostOctet + 1;

    // Ports are per address: the port free on 127.0.0.21 may be taken on .22; a few fresh tries settle it.
    private const int PortAttempts = 10;

    private readonly ILogger _logger;
    private int _disposed;

    private DemoPodSet(int port, ImmutableArray<DemoPod> pods, ILogger logger)
    {
        Port = port;
        Pods = pods;
        ZonePods = [.. pods.Select(pod => new DemoZonePod(pod.Name, pod.EndPoint.Address))];
        _logger = logger;
    }

    /// <summary>The port every pod listens on.</summary>
    public int Port { get; }

    public ImmutableArray<DemoPod> Pods { get; }

    /// <summary>The pods as the DNS zone publishes them.</summary>
    public ImmutableArray<DemoZonePod> ZonePods { get; }

    /// <summary>The address of pod <c>web-<paramref name="ordinal"/></c>.</summary>
    public static IPAddress AddressOf(int ordinal)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ordinal);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(ordinal, MaxReplicas);
        return new IPAddress([127, 0, 0, (byte)(FirstHostOctet + ordinal)]);
    }

    public static string NameOf(int ordinal) => StatefulSetName + "-" + ordinal.ToString(CultureInfo.InvariantCulture);

    /// <summary>Starts web-0..2 on 127.0.0.21..23 on one free port.</summary>
    public static Task<DemoPodSet> StartAsync(ILogger logger, CancellationToken cancellationToken) =>
        StartAsync(DefaultReplicas, port: 0, logger, cancellationToken);

    /// <param name="port">0 to choose a port free on every pod address.</param>
    public static async Task<DemoPodSet> StartAsync(int replicas, int port, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(replicas, MaxReplicas);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, ushort.MaxValue);
        ArgumentNullException.ThrowIfNull(logger);

        for (var attempt = 1; ; attempt++)
        {
            var pods = ImmutableArray.CreateBuilder<DemoPod>(replicas);
            try
            {
                // web-0 takes whatever port the OS gives; the others must get the same one.
                pods.Add(await DemoPod.StartAsync(NameOf(0), new IPEndPoint(AddressOf(0), port), logger, cancellationToken));
                var chosen = pods[0].EndPoint.Port;
                for (var ordinal = 1; ordinal < replicas; ordinal++)
                {
                    pods.Add(await DemoPod.StartAsync(NameOf(ordinal), new IPEndPoint(AddressOf(ordinal), chosen), logger, cancellationToken));
                }

                Log.Started(logger, replicas, chosen);
                return new DemoPodSet(chosen, pods.MoveToImmutable(), logger);
            }
            catch (IOException ex) when (port == 0 && attempt < PortAttempts)
            {
                Log.PortTaken(logger, pods.Count > 0 ? pods[0].EndPoint.Port : port, ex.Message);
                await StopAsync(pods);
            }
            catch
            {
                await StopAsync(pods);
                throw;
            }
        }
    }

    /// <summary>The zone that publishes exactly these pods.</summary>
    public DemoZone CreateZone(Random? random = null) => new(Port, ZonePods, random);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await StopAsync(Pods);
        Log.Stopped(_logger, Pods.Length);
    }

    private static async Task StopAsync(IEnumerable<DemoPod> pods)
    {
        foreach (var pod in pods)
        {
            await pod.DisposeAsync();
        }
    }
}
