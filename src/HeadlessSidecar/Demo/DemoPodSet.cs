using System.Collections.Immutable;
using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Demo;

/// <summary>
/// The demo StatefulSet <c>web</c>: pods <c>web-0..N-1</c> on 127.0.0.21, .22, … (all on loopback on Linux and
/// Windows; macOS needs the aliases added), one port for all, as a named container port is. A pod can be stopped
/// and started again while the demo runs: stopped, its address refuses connections, and DNS keeps listing it (as
/// a Service with <c>publishNotReadyAddresses</c> does), so only health checking takes it out of rotation.
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

    // One stop, start or dispose at a time; slots of stopped pods are null.
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly DemoPod?[] _running;
    private bool _disposed;

    private DemoPodSet(int port, ImmutableArray<DemoPod> pods, ILogger logger)
    {
        Port = port;
        Replicas = pods.Length;
        _running = [.. pods];
        ZonePods = [.. pods.Select(pod => new DemoZonePod(pod.Name, pod.EndPoint.Address))];
        _logger = logger;
    }

    /// <summary>The port every pod listens on.</summary>
    public int Port { get; }

    /// <summary>How many pods the set has, running or stopped.</summary>
    public int Replicas { get; }

    /// <summary>The pods running now, by ordinal.</summary>
    public ImmutableArray<DemoPod> Pods
    {
        get
        {
            lock (_running)
            {
                return [.. _running.OfType<DemoPod>()];
            }
        }
    }

    /// <summary>The pods as the DNS zone publishes them (stopped ones included).</summary>
    public ImmutableArray<DemoZonePod> ZonePods { get; }

    /// <summary>The ordinal of pod <paramref name="name"/> (<c>web-N</c>) in this set, or null.</summary>
    public int? OrdinalOf(string name)
    {
        for (var ordinal = 0; ordinal < Replicas; ordinal++)
        {
            if (string.Equals(NameOf(ordinal), name, StringComparison.OrdinalIgnoreCase))
            {
                return ordinal;
            }
        }
        return null;
    }

    /// <summary>Stops pod <paramref name="ordinal"/>: its listener closes and open connections end.</summary>
    /// <returns>False when it was not running.</returns>
    public async Task<bool> StopPodAsync(int ordinal, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ordinal);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(ordinal, Replicas);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            var pod = _running[ordinal];
            if (pod is null)
            {
                return false;
            }
            lock (_running)
            {
                _running[ordinal] = null;
            }
            await pod.DisposeAsync();
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Starts pod <paramref name="ordinal"/> again at its address and the set's port.</summary>
    /// <returns>False when it was running already.</returns>
    /// <exception cref="IOException">Its address and port cannot be bound (something else took them).</exception>
    public async Task<bool> StartPodAsync(int ordinal, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ordinal);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(ordinal, Replicas);
        await _gate.WaitAsync(cancellationToken);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_running[ordinal] is not null)
            {
                return false;
            }
            var pod = await DemoPod.StartAsync(NameOf(ordinal), new IPEndPoint(AddressOf(ordinal), Port), _logger, cancellationToken);
            lock (_running)
            {
                _running[ordinal] = pod;
            }
            return true;
        }
        finally
        {
            _gate.Release();
        }
    }

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
        await _gate.WaitAsync();
        try
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            await StopAsync(Pods);
            Log.Stopped(_logger, Replicas);
        }
        finally
        {
            _gate.Release();
        }
    }

    private static async Task StopAsync(IEnumerable<DemoPod> pods)
    {
        foreach (var pod in pods)
        {
            await pod.DisposeAsync();
        }
    }
}
