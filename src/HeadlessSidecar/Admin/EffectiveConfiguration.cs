using System.Globalization;
using System.Text.Json;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.Admin;

/// <summary>
/// <c>/debug/config</c>: the configuration in effect, in the shape of the configuration file, every key with its
/// effective value (defaults included; <c>Dns:Servers</c>, <c>Search</c> and <c>Ndots</c> as resolv.conf filled
/// them in; <c>Health:Check</c> as defaulted). Written key by key (no reflection, for AOT). Nothing secret is in
/// the options: credentials, keys and certificates live in files, and only their paths are shown.
/// </summary>
internal static class EffectiveConfiguration
{
    public static void Write(Utf8JsonWriter w, SidecarOptions options, ResolvConf resolvConf)
    {
        w.WriteStartObject(SidecarOptionsReader.SectionName);
        w.WriteStartObject("Admin");
        w.WriteString("Listen", options.AdminListen.ToString());
        w.WriteString("DebugAccess", options.AdminDebugAccess.ToString());
        w.WriteEndObject();
        WriteDuration(w, "DrainTimeout", options.DrainTimeout);
        WriteDuration(w, "DrainDelay", options.DrainDelay);
        w.WriteBoolean("AccessLog", options.AccessLog);
        WriteLimits(w, options.Limits);
        WriteDns(w, options.Dns, EffectiveDnsSettings.Create(options.Dns, resolvConf));
        w.WriteStartObject("Services");
        foreach (var service in options.Services.OrderBy(s => s.Name, StringComparer.Ordinal))
        {
            w.WriteStartObject(service.Name);
            WriteService(w, service);
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteLimits(Utf8JsonWriter w, LimitsOptions limits)
    {
        w.WriteStartObject("Limits");
        w.WriteNumber("MaxConnectionsPerListener", limits.MaxConnectionsPerListener);
        w.WriteNumber("MaxAdminConnections", limits.MaxAdminConnections);
        w.WriteNumber("MaxRequestHeadersBytes", limits.MaxRequestHeadersBytes);
        w.WriteNumber("MaxRequestHeaderCount", limits.MaxRequestHeaderCount);
        WriteDuration(w, "RequestHeadersTimeout", limits.RequestHeadersTimeout);
        WriteDuration(w, "KeepAliveTimeout", limits.KeepAliveTimeout);
        w.WriteNumber("MaxStreamsPerConnection", limits.MaxStreamsPerConnection);
        WriteDuration(w, "StreamIdleTimeout", limits.StreamIdleTimeout);
        w.WriteNumber("MaxPendingPerPod", limits.MaxPendingPerPod);
        w.WriteEndObject();
    }

    private static void WriteDns(Utf8JsonWriter w, DnsOptions dns, EffectiveDnsSettings effective)
    {
        w.WriteStartObject("Dns");
        w.WriteStartArray("Servers");
        foreach (var server in effective.Servers)
        {
            w.WriteStringValue(server.ToString());
        }
        w.WriteEndArray();
        w.WriteStartArray("Search");
        foreach (var domain in effective.Search)
        {
            w.WriteStringValue(domain);
        }
        w.WriteEndArray();
        w.WriteNumber("Ndots", effective.Ndots);
        WriteDuration(w, "Timeout", dns.Timeout);
        WriteDuration(w, "MinRefresh", dns.MinRefresh);
        WriteDuration(w, "MaxRefresh", dns.MaxRefresh);
        WriteDuration(w, "MaxStale", dns.MaxStale);
        w.WriteNumber("MaxAnswerRecords", dns.MaxAnswerRecords);
        w.WriteEndObject();
    }

    private static void WriteService(Utf8JsonWriter w, ServiceOptions s)
    {
        w.WriteString("Host", s.HostIsAbsolute ? s.Host + "." : s.Host);
        WriteStringOrNull(w, "PortName", s.PortName);
        WriteNumberOrNull(w, "Port", s.Port);
        w.WriteString("Protocol", s.Protocol.ToString());
        w.WriteString("UpstreamHttpVersion", s.UpstreamHttpVersion.Major >= 2 ? "2" : "1.1");
        w.WriteString("Listen", s.Listen.ToString());
        WriteNumberOrNull(w, "OrdinalPortBase", s.OrdinalPortBase);
        w.WriteString("LoadBalancing", s.LoadBalancing.ToString());
        WriteStringOrNull(w, "HashHeader", s.HashHeader);
        WriteDuration(w, "SlowStart", s.SlowStart);

        w.WriteStartObject("Timeouts");
        WriteDuration(w, "Connect", s.Timeouts.Connect);
        WriteDuration(w, "PerTry", s.Timeouts.PerTry);
        WriteDuration(w, "Request", s.Timeouts.Request);
        w.WriteEndObject();

        w.WriteStartObject("Retry");
        w.WriteNumber("MaxAttempts", s.Retry.MaxAttempts);
        w.WriteNumber("BudgetPercent", s.Retry.BudgetPercent);
        WriteNumbers(w, "OnStatus", s.Retry.OnStatus);
        WriteNumbers(w, "OnGrpcStatus", s.Retry.OnGrpcStatus);
        w.WriteNumber("MaxReplayBodyBytes", s.Retry.MaxReplayBodyBytes);
        w.WriteEndObject();

        w.WriteString("Role", s.Role);

        w.WriteStartObject("Health");
        w.WriteNumber("ConsecutiveFailures", s.Health.ConsecutiveFailures);
        WriteDuration(w, "EjectFor", s.Health.EjectFor);
        WriteStringOrNull(w, "Check", ServiceRuntime.ActiveCheck(s));
        WriteStringOrNull(w, "ProbePath", s.Health.ProbePath);
        WriteDuration(w, "ProbeInterval", s.Health.ProbeInterval);
        WriteDuration(w, "ProbeTimeout", s.Health.ProbeTimeout);
        WriteStringOrNull(w, "CredentialsFile", s.Health.CredentialsFile);
        w.WriteString("GrpcService", s.Health.GrpcService);
        w.WriteEndObject();

        w.WriteStartObject("Pool");
        w.WriteNumber("MaxConnectionsPerPod", s.Pool.MaxConnectionsPerPod);
        WriteDuration(w, "IdleTimeout", s.Pool.IdleTimeout);
        w.WriteNumber("WarmConnections", s.Pool.WarmConnections);
        w.WriteEndObject();

        w.WriteStartObject("Tcp");
        WriteDuration(w, "IdleTimeout", s.Tcp.IdleTimeout);
        WriteDuration(w, "RemovedPodGrace", s.Tcp.RemovedPodGrace);
        w.WriteEndObject();

        w.WriteStartObject("Tls");
        w.WriteString("Mode", s.Tls.Mode.ToString());
        WriteStringOrNull(w, "CaFile", s.Tls.CaFile);
        WriteStringOrNull(w, "CertFile", s.Tls.CertFile);
        WriteStringOrNull(w, "KeyFile", s.Tls.KeyFile);
        WriteStringOrNull(w, "ServerName", s.Tls.ServerName);
        w.WriteString("MinVersion", s.Tls.MinVersion == System.Security.Authentication.SslProtocols.Tls13 ? "Tls13" : "Tls12");
        w.WriteBoolean("InsecureSkipVerify", s.Tls.InsecureSkipVerify);
        w.WriteEndObject();
    }

    // The configuration's own TimeSpan form ("00:00:15"), which the reader takes back.
    private static void WriteDuration(Utf8JsonWriter w, string name, TimeSpan? value)
    {
        if (value is { } duration)
        {
            w.WriteString(name, duration.ToString("c", CultureInfo.InvariantCulture));
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteStringOrNull(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static void WriteNumberOrNull(Utf8JsonWriter w, string name, int? value)
    {
        if (value is { } number)
        {
            w.WriteNumber(name, number);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteNumbers(Utf8JsonWriter w, string name, IReadOnlyList<int> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values)
        {
            w.WriteNumberValue(value);
        }
        w.WriteEndArray();
    }
}
