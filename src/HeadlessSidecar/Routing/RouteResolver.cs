using System.Globalization;
using HeadlessSidecar.Runtime;
using Microsoft.Extensions.Primitives;

namespace HeadlessSidecar.Routing;

/// <summary>
/// Contract section 3: the ordinal header, then a per-ordinal port, then the <c>Host</c>, pin a request to a
/// pod; otherwise it is balanced. Pure: the caller passes the request's parts and the service's current view.
/// </summary>
internal static class RouteResolver
{
    public const string OrdinalHeader = "X-Headless-Ordinal";

    public static RouteDecision Resolve(ServiceRuntime service, StringValues ordinalHeader, string? host, int? portOrdinal)
    {
        var table = service.Table;
        if (ordinalHeader.Count > 0)
        {
            if (!TryParseOrdinal(ordinalHeader, out var ordinal))
            {
                return RouteDecision.Fail(ProxyError.BadOrdinal,
                    $"{OrdinalHeader} must be a non-negative integer, got '{Truncate(ordinalHeader.ToString())}'");
            }
            return ByOrdinal(service, table, ordinal);
        }
        if (portOrdinal is int portPinned)
        {
            return ByOrdinal(service, table, portPinned);
        }
        var name = HostName.Get(host);
        if (service.Names.TryGetPodLabel(name, out var label))
        {
            return table.ByNameSpan.TryGetValue(label, out var pod)
                ? RouteDecision.Pinned(pod)
                : RouteDecision.Fail(ProxyError.PodUnavailable,
                    $"pod '{label.ToString().ToLowerInvariant()}' of service '{service.Name}' is not among its discovered pods");
        }
        if (!name.IsEmpty && !name.Contains('.') && table.ByNameSpan.TryGetValue(name, out var bare))
        {
            return RouteDecision.Pinned(bare);
        }
        return RouteDecision.Balanced;
    }

    /// <summary>On a listener shared by several services, the service the <c>Host</c> names; null when none.</summary>
    public static ServiceRuntime? SelectService(ServiceRuntime[] services, string? host)
    {
        if (services.Length == 1)
        {
            return services[0];
        }
        var name = HostName.Get(host);
        foreach (var service in services)
        {
            if (service.Names.IsServiceName(name) || service.Names.TryGetPodLabel(name, out _))
            {
                return service;
            }
        }
        if (!name.IsEmpty && !name.Contains('.'))
        {
            foreach (var service in services)
            {
                if (service.Table.ByNameSpan.ContainsKey(name))
                {
                    return service;
                }
            }
        }
        return null;
    }

    internal static bool TryParseOrdinal(StringValues values, out int ordinal)
    {
        ordinal = 0;
        if (values.Count != 1)
        {
            return false;
        }
        var text = values[0].AsSpan().Trim(" \t");
        if (text.IsEmpty)
        {
            return false;
        }
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ordinal);
    }

    private static RouteDecision ByOrdinal(ServiceRuntime service, PodTable table, int ordinal) =>
        table.ByOrdinal.TryGetValue(ordinal, out var pod)
            ? RouteDecision.Pinned(pod)
            : RouteDecision.Fail(ProxyError.PodUnavailable, $"ordinal {ordinal} of service '{service.Name}' is not among its discovered pods");

    private static string Truncate(string value) => value.Length <= 32 ? value : value[..32] + "…";
}
