using System.Diagnostics.Metrics;
using OpenTelemetry.Metrics;

namespace HeadlessSidecar.Metrics;

/// <summary>
/// The .NET runtime's built-in <c>System.Runtime</c> meter: process CPU time and working set, GC heap sizes and
/// collections, thread pool, exceptions. Scraped as <c>dotnet_process_cpu_time_seconds_total{cpu_mode}</c>,
/// <c>dotnet_process_memory_working_set_bytes</c>, <c>dotnet_gc_last_collection_heap_size_bytes{gc_heap_generation}</c>
/// and so on.
/// </summary>
internal static class RuntimeMeter
{
    public const string Name = "System.Runtime";

    // Gauges whose names end in ".count" come out as dotnet_*_count, which promtool check metrics rejects (a suffix
    // reserved for histograms and summaries); none of them says anything about the sidecar's health.
    private static readonly HashSet<string> Dropped = new(StringComparer.Ordinal)
    {
        "dotnet.assembly.count", "dotnet.process.cpu.count", "dotnet.timer.count",
    };

    // Its labels are small fixed sets (cpu.mode, gc.heap.generation) except dotnet.exceptions' error.type, one
    // series per exception type thrown: bounded by the code, capped here so a surprise cannot grow the scrape.
    private const int CardinalityLimit = 50;

    public static MetricStreamConfiguration? View(Instrument instrument) =>
        instrument.Meter.Name != Name ? null
        : Dropped.Contains(instrument.Name) ? MetricStreamConfiguration.Drop
        : new MetricStreamConfiguration { CardinalityLimit = CardinalityLimit };
}
