using System.Buffers;
using System.Net;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Demo;

/// <summary>
/// One backend pod of the demo StatefulSet: answers every request with 200, <c>X-Pod: web-N</c> and one line
/// of JSON saying what arrived, so that a demo (or a test) sees which pod the sidecar picked and what it forwarded.
/// HTTP/1.1 only: Kestrel offers no prior-knowledge h2c on an endpoint that also speaks HTTP/1.1 without TLS.
/// </summary>
internal sealed partial class DemoPod : IAsyncDisposable
{
    public const string PodHeader = "X-Pod";

    private static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    // The body is JSON for a terminal, not HTML: '+', '&' and non-ASCII may stay as they are.
    private static readonly JsonWriterOptions JsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly WebApplication _app;
    private readonly ILogger _logger;
    private int _disposed;

    private DemoPod(string name, IPEndPoint endPoint, WebApplication app, ILogger logger)
    {
        Name = name;
        EndPoint = endPoint;
        _app = app;
        _logger = logger;
    }

    /// <summary>The pod name, <c>web-N</c>.</summary>
    public string Name { get; }

    /// <summary>The bound endpoint, with the real port when 0 was asked for.</summary>
    public IPEndPoint EndPoint { get; }

    /// <exception cref="IOException">The address or port cannot be bound.</exception>
    public static async Task<DemoPod> StartAsync(string name, IPEndPoint endPoint, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(endPoint);
        ArgumentNullException.ThrowIfNull(logger);

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });

        // A pod is not the sidecar: its Kestrel endpoints, URLs and log levels must not leak in from
        // appsettings.json or ASPNETCORE_* variables, and Kestrel's own logs would drown the demo's.
        builder.Configuration.Sources.Clear();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IHostLifetime, DemoPodHostLifetime>();
        builder.Services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Listen(endPoint, listen => listen.Protocols = HttpProtocols.Http1);
        });

        var app = builder.Build();
        app.Run(context => RespondAsync(context, name));
        try
        {
            await app.StartAsync(cancellationToken);
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }

        var bound = new IPEndPoint(endPoint.Address, new Uri(app.Urls.First()).Port);
        Log.Started(logger, name, bound);
        return new DemoPod(name, bound, app, logger);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _app.StopAsync(CancellationToken.None);
        await _app.DisposeAsync();
        Log.Stopped(_logger, Name);
    }

    private static async Task RespondAsync(HttpContext context, string name)
    {
        var request = context.Request;

        // The request target exactly as it arrived, query included: what the sidecar forwarded is the point.
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
        var body = new ArrayBufferWriter<byte>(256);
        using (var json = new Utf8JsonWriter(body, JsonOptions))
        {
            json.WriteStartObject();
            json.WriteString("pod", name);
            json.WriteString("method", request.Method);
            json.WriteString("path", target);
            json.WriteString("host", request.Host.Value ?? "");
            json.WriteString("protocol", request.Protocol);
            json.WriteEndObject();
        }

        body.Write("\n"u8);

        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.Headers[PodHeader] = name;
        response.ContentType = "application/json";
        response.ContentLength = body.WrittenCount;
        if (!HttpMethods.IsHead(request.Method))
        {
            await response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted);
        }
    }
}
