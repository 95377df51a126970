using System.Globalization;
using System.Text;

namespace HeadlessSidecar.IntegrationTests.Faults;

/// <summary>
/// Collects the rows measured by this test run and rewrites <c>fault-matrix.csv</c> and <c>fault-matrix.md</c> after
/// each one, in <c>HEADLESS_SIDECAR_FAULT_MATRIX_DIR</c> (default: <c>fault-matrix/</c> beside the test assembly),
/// so the figures can be quoted without reading test logs. Each row also goes to the test's output.
/// </summary>
internal static class FaultMatrixReport
{
    private static readonly Lock Gate = new();
    private static readonly SortedDictionary<string, FaultRow> Rows = new(StringComparer.Ordinal);

    public static string Directory =>
        Environment.GetEnvironmentVariable("HEADLESS_SIDECAR_FAULT_MATRIX_DIR") is { Length: > 0 } directory
            ? directory
            : Path.Combine(AppContext.BaseDirectory, "fault-matrix");

    public static void Write(FaultRow row)
    {
        ArgumentNullException.ThrowIfNull(row);
        var line = $"fault matrix | {row.Fault} | sent {row.Sent} | failed {row.Failed} | failovers {row.Failovers:0} | p99 {row.P99Milliseconds:0.0} ms | {row.Figures} | bound: {row.Bound}";
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        lock (Gate)
        {
            Rows[row.Fault] = row;
            System.IO.Directory.CreateDirectory(Directory);
            File.WriteAllText(Path.Combine(Directory, "fault-matrix.csv"), Csv());
            File.WriteAllText(Path.Combine(Directory, "fault-matrix.md"), Markdown());
        }
        TestContext.Current.TestOutputHelper?.WriteLine($"fault matrix summary: {Path.Combine(Directory, "fault-matrix.md")}");
    }

    private static string Csv()
    {
        var csv = new StringBuilder("fault,sent,failed,failovers,p99_ms,figures,bound\n");
        foreach (var row in Rows.Values)
        {
            csv.Append(CultureInfo.InvariantCulture,
                $"{Quote(row.Fault)},{row.Sent},{row.Failed},{row.Failovers:0},{row.P99Milliseconds:0.0},{Quote(row.Figures)},{Quote(row.Bound)}\n");
        }
        return csv.ToString();
    }

    private static string Markdown()
    {
        var markdown = new StringBuilder("| fault | sent | failed | failovers | p99 ms | figures | bound asserted |\n| --- | ---: | ---: | ---: | ---: | --- | --- |\n");
        foreach (var row in Rows.Values)
        {
            markdown.Append(CultureInfo.InvariantCulture,
                $"| {row.Fault} | {row.Sent} | {row.Failed} | {row.Failovers:0} | {row.P99Milliseconds:0.0} | {row.Figures.Replace("|", "/", StringComparison.Ordinal)} | {row.Bound.Replace("|", "/", StringComparison.Ordinal)} |\n");
        }
        return markdown.ToString();
    }

    private static string Quote(string value) => "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
