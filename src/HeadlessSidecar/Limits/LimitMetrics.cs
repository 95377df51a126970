using System.Diagnostics;
using System.Diagnostics.Metrics;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Metrics;

namespace HeadlessSidecar.Limits;

/// <summary><c>headless_sidecar_limit_rejections_total{listener,limit}</c> (contract section 11).</summary>
internal sealed class LimitMetrics
{
    public const string RejectionsName = "headless_sidecar.limit_rejections";
    public const string AdminListener = "admin";

    private readonly Counter<long> _rejections;

    public LimitMetrics(IMeterFactory meterFactory, SidecarMeter sidecarMeter, SidecarOptions options)
    {
        var meter = meterFactory.Create(sidecarMeter.Name);
        _rejections = meter.CreateCounter<long>(RejectionsName,
            description: "Connections, streams and requests refused because a Sidecar:Limits limit was reached.");
        // Every listener's applicable limits from the start, so an alert sees a rise from 0 rather than a new series.
        foreach (var limit in LimitKind.AdminKinds)
        {
            Add(AdminListener, limit, 0);
        }
        foreach (var listener in ListenerNames(options))
        {
            foreach (var limit in LimitKind.For(listener.Protocol, options.Limits))
            {
                Add(listener.Name, limit, 0);
            }
        }
    }

    public void Rejected(string listener, string limit) => Add(listener, limit, 1);

    /// <summary>A listener a reload added: its series from 0, as at start.</summary>
    public void ListenerKnown(string listener, ServiceProtocol protocol, LimitsOptions limits)
    {
        foreach (var limit in LimitKind.For(protocol, limits))
        {
            Add(listener, limit, 0);
        }
    }

    /// <summary>A listener is named after its service; one shared by several services after the first of them.</summary>
    public static IEnumerable<ServiceOptions> ListenerNames(SidecarOptions options) =>
        options.Services.GroupBy(s => s.Listen).Select(g => g.First());

    private void Add(string listener, string limit, long value) =>
        _rejections.Add(value, new TagList { { "listener", listener }, { "limit", limit } });
}
