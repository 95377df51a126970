using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// A real Kestrel server standing in for one pod: it answers every request with 200, <c>X-Pod: web-0</c> and
/// <c>{"pod","protocol","host","path"}</c> JSON, <c>/status/{code}</c> with that code and <c>/bytes/{n}</c> with an n-byte body, <c>/delay/{ms}</c> after
/// that long; <see cref="Latency"/>, <see cref="Hang"/> and <see cref="ForcedStatus"/> turn it into a slow, hung or failing pod. It counts requests and accepted TCP connections, and can be stopped and started again on the
/// same address and port to play a pod's death and restart.
/// </summary>
public sealed class LoopbackHttpPod : IAsyncDisposable
{
    private const int StartAttempts = 3;

    private static readonly TimeSpan GracefulStopTimeout = TimeSpan.FromSeconds(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private WebApplication? _app;
    private int _requestCount;
    private int _connectionCount;
    private int _openConnectionCount;
    private PodRequest? _lastRequest;
    private int _disposed;
    private long _latencyTicks;
    private int _forcedStatus;
    private volatile bool _hang;

    private LoopbackHttpPod(string name, IPAddress address, int port, HttpProtocols protocols)
    {
        Name = name;
        Address = address;
        Port = port;
        Protocols = protocols;
    }

    /// <summary>The pod's name, e.g. <c>web-0</c>: sent back in <c>X-Pod</c> and the body.</summary>
    public string Name { get; }

    public IPAddress Address { get; }

    public int Port { get; }

    public IPEndPoint EndPoint => new(Address, Port);

    /// <summary><c>http://127.0.0.22:port/</c></summary>
    public Uri BaseUri => new($"http://{EndPoint}/");

    /// <summary><see cref="HttpProtocols.Http1"/> by default; <see cref="HttpProtocols.Http2"/> is h2c with prior knowledge only.</summary>
    public HttpProtocols Protocols { get; }

    public bool IsRunning => _app is not null;

    /// <summary>Requests received since start (or the last <see cref="ResetCounters"/>), restarts included.</summary>
    public int RequestCount => Volatile.Read(ref _requestCount);

    /// <summary>TCP connections accepted since start (or the last <see cref="ResetCounters"/>).</summary>
    public int ConnectionCount => Volatile.Read(ref _connectionCount);

    /// <summary>TCP connections open right now.</summary>
    public int OpenConnectionCount => Volatile.Read(ref _openConnectionCount);

    public PodRequest? LastRequest => Volatile.Read(ref _lastRequest);

    /// <summary>Waited before every answer, to play a slow pod; zero by default. May change while serving.</summary>
    public TimeSpan Latency
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref _latencyTicks));
        set => Volatile.Write(ref _latencyTicks, value.Ticks);
    }

    /// <summary>While true the pod reads requests and never answers them (until the client gives up).</summary>
    public bool Hang
    {
        get => _hang;
        set => _hang = value;
    }

    /// <summary>When set, every answer has this status (a pod answering 503 to everything); null by default.</summary>
    public int? ForcedStatus
    {
        get => Volatile.Read(ref _forcedStatus) is var status and > 0 ? status : null;
        set => Volatile.Write(ref _forcedStatus, value ?? 0);
    }

    public IReadOnlyDictionary<string, string>? LastRequestHeaders => LastRequest?.Headers;

    /// <summary>Starts a pod on <paramref name="address"/>; port 0 picks a free one.</summary>
    public static async Task<LoopbackHttpPod> StartAsync(
        string name,
        IPAddress address,
        int port = 0,
        HttpProtocols protocols = HttpProtocols.Http1,
        CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(address);
        ArgumentOutOfRangeException.ThrowIfNegative(port);
        if (protocols is not (HttpProtocols.Http1 or HttpProtocols.Http2))
        {
            throw new ArgumentException("A pod speaks HTTP/1.1 or h2c (HTTP/2 with prior knowledge), not both.", nameof(protocols));
        }

        for (var attempt = 1; ; attempt++)
        {
            var pod = new LoopbackHttpPod(name, address, port == 0 ? LoopbackAddresses.FreePort(address) : port, protocols);
            try
            {
                await pod.StartAsync(cancellationToken);
                return pod;
            }
            catch (IOException) when (port == 0 && attempt < StartAttempts)
            {
                // Another process took the free port before Kestrel bound it: try a fresh one.
                await pod.DisposeAsync();
            }
            catch
            {
                await pod.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Starts (again) on the same address and port; counters carry on.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_app is not null)
            {
                throw new InvalidOperationException($"Pod {Name} is already running.");
            }

            var app = BuildApp();
            try
            {
                await app.StartAsync(cancellationToken);
            }
            catch
            {
                await app.DisposeAsync();
                throw;
            }

            _app = app;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Stops the pod. By default like a killed pod: the listener closes and open connections are aborted at once.
    /// <paramref name="graceful"/> lets requests in flight finish (bounded) first.
    /// </summary>
    public async Task StopAsync(bool graceful = false)
    {
        await _gate.WaitAsync();
        try
        {
            if (_app is not { } app)
            {
                return;
            }

            _app = null;
            using var stop = graceful ? new CancellationTokenSource(GracefulStopTimeout) : new CancellationTokenSource();
            if (!graceful)
            {
                await stop.CancelAsync();
            }

            try
            {
                await app.StopAsync(stop.Token);
            }
            catch (OperationCanceledException)
            {
                // Aborting the connections is the point of a non-graceful stop.
            }

            await app.DisposeAsync();
        }
        finally
        {
            _gate.Release();
        }
    }

    public void ResetCounters()
    {
        Interlocked.Exchange(ref _requestCount, 0);
        Interlocked.Exchange(ref _connectionCount, 0);
        Interlocked.Exchange(ref _lastRequest, null);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            await StopAsync();
            _gate.Dispose();
        }
    }

    public override string ToString() => $"{Name} {EndPoint}";

    private WebApplication BuildApp()
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ApplicationName = $"pod-{Name}",
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(Address, Port, listen =>
            {
                listen.Protocols = Protocols;
                listen.Use(next => async connection =>
                {
                    Interlocked.Increment(ref _connectionCount);
                    Interlocked.Increment(ref _openConnectionCount);
                    try
                    {
                        await next(connection);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref _openConnectionCount);
                    }
                });
            });
        });

        var app = builder.Build();
        app.Run(HandleAsync);
        return app;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in request.Headers)
        {
            headers[key] = value.ToString();
        }

        Volatile.Write(ref _lastRequest, new PodRequest(request.Method, request.Path.Value ?? "/", request.QueryString.Value ?? string.Empty, request.Protocol, headers));
        Interlocked.Increment(ref _requestCount);

        if (Latency is { Ticks: > 0 } latency)
        {
            try
            {
                await Task.Delay(latency, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // The client went away.
            }
        }

        var path = request.Path.Value ?? "/";
        if (_hang)
        {
            try
            {
                await Task.Delay(Timeout.InfiniteTimeSpan, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // The client went away.
            }
        }

        var status = ForcedStatus ?? StatusCodes.Status200OK;
        if (TryParseSuffix(path, "/status/", out var code))
        {
            status = ForcedStatus ?? (code is >= 200 and <= 599 ? code : StatusCodes.Status400BadRequest);
        }
        else if (TryParseSuffix(path, "/bytes/", out var length))
        {
            // A body of that many bytes, for clients that must not be able to take it all at once.
            context.Response.Headers["X-Pod"] = Name;
            context.Response.ContentLength = length;
            try
            {
                await context.Response.Body.WriteAsync(new byte[length], context.RequestAborted);
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
                // The client went away.
            }
            return;
        }
        else if (TryParseSuffix(path, "/delay/", out var milliseconds))
        {
            try
            {
                await Task.Delay(milliseconds, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // The client went away.
            }
        }

        var response = context.Response;
        response.StatusCode = status;
        response.Headers["X-Pod"] = Name;
        if (status is StatusCodes.Status204NoContent or StatusCodes.Status304NotModified)
        {
            return;
        }

        response.ContentType = "application/json";
        var body = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(body))
        {
            json.WriteStartObject();
            json.WriteString("pod", Name);
            json.WriteString("protocol", request.Protocol);
            json.WriteString("host", request.Host.Value);
            json.WriteString("path", path);
            json.WriteEndObject();
        }

        response.ContentLength = body.WrittenCount;
        await response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted);
    }

    private static bool TryParseSuffix(string path, string prefix, out int value)
    {
        value = 0;
        return path.StartsWith(prefix, StringComparison.Ordinal) &&
               int.TryParse(path.AsSpan(prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
