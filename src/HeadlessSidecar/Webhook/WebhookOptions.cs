using System.Net;
using HeadlessSidecar.FileWatching;
using HeadlessSidecar.Injection;

namespace HeadlessSidecar.Webhook;

/// <summary>What <c>headless-sidecar webhook</c> runs with (contract section 8).</summary>
internal sealed record WebhookOptions
{
    public static readonly IPEndPoint DefaultListen = new(IPAddress.Any, 8443);

    public IPEndPoint Listen { get; init; } = DefaultListen;

    /// <summary>PEM: the serving certificate, then any intermediates (a Secret's <c>tls.crt</c>).</summary>
    public required string CertificateFile { get; init; }

    /// <summary>PEM: its private key (a Secret's <c>tls.key</c>).</summary>
    public required string KeyFile { get; init; }

    /// <summary>The injection defaults for pods without annotations (<c>--mode</c>, <c>--image</c>, <c>--config-map</c>).</summary>
    public InjectorDefaults Defaults { get; init; } = new();

    /// <summary>How the certificate files are watched: every 2 s, so a rotation is served within about 4 s.</summary>
    public FileWatcherOptions CertificateWatch { get; init; } = new();
}
