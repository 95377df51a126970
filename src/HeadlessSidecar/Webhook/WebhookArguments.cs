using HeadlessSidecar.Configuration;
using HeadlessSidecar.Injection;

namespace HeadlessSidecar.Webhook;

/// <summary>Parses <c>webhook [--listen ADDR] --tls-cert FILE --tls-key FILE [--mode …] [--image …] [--config-map …]</c>.</summary>
internal static class WebhookArguments
{
    public const string Usage = "usage: headless-sidecar webhook [--listen ADDR:PORT] --tls-cert FILE --tls-key FILE [--mode native|classic] [--image IMAGE] [--config-map NAME]";

    /// <summary>
    /// True with <paramref name="options"/> set, or true with both null for <c>--help</c>; false with the problem in
    /// <paramref name="error"/> (one line, naming the flag).
    /// </summary>
    public static bool TryParse(string[] args, out WebhookOptions? options, out string? error)
    {
        ArgumentNullException.ThrowIfNull(args);
        options = null;
        var defaults = new InjectorDefaults();
        var listen = WebhookOptions.DefaultListen;
        string? certificate = null;
        string? key = null;
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] is "--help" or "-h")
            {
                error = null;
                return true;
            }
            if (InjectorFlags.TryApply(args, ref i, ref defaults, out error))
            {
                if (error is not null)
                {
                    return false;
                }
                continue;
            }
            var arg = args[i];
            var equals = arg.IndexOf('=', StringComparison.Ordinal);
            var name = equals > 0 ? arg[..equals] : arg;
            if (name is not ("--listen" or "--tls-cert" or "--tls-key"))
            {
                error = $"unknown argument '{arg}' ({Usage})";
                return false;
            }
            var value = equals > 0 ? arg[(equals + 1)..] : i + 1 < args.Length ? args[++i] : "";
            if (value.Length == 0)
            {
                error = $"{name} needs a value";
                return false;
            }
            switch (name)
            {
                case "--listen":
                    if (!EndPointParser.TryParse(value, defaultPort: null, out listen))
                    {
                        error = $"--listen: '{value}' is not a valid address:port";
                        return false;
                    }
                    break;
                case "--tls-cert":
                    certificate = value;
                    break;
                default:
                    key = value;
                    break;
            }
        }
        if (certificate is null || key is null)
        {
            error = $"{(certificate is null ? "--tls-cert" : "--tls-key")} is required ({Usage})";
            return false;
        }
        options = new WebhookOptions { Listen = listen, CertificateFile = certificate, KeyFile = key, Defaults = defaults };
        error = null;
        return true;
    }
}
