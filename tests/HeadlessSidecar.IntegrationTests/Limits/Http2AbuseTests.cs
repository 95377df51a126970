using System.Diagnostics;
using System.Net.Sockets;
using HeadlessSidecar.IntegrationTests.Hosting;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Limits;

/// <summary>
/// Hostile HTTP/2 clients on the h2c listener, against the real executable (inline socket completions, as shipped):
/// each is closed or contained within a bounded time while other clients keep their latency.
/// </summary>
public sealed class Http2AbuseTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static void Report(string line) => TestContext.Current.TestOutputHelper?.WriteLine(line);

    [Fact]
    public async Task SettingsPingFlood_NeverReading_OtherClientsKeepTheirLatency()
    {
        await using var sidecar = await ProcessSidecar.StartAsync(cancellationToken: Ct);
        await SampleAsync(sidecar, 5);
        var baseline = await SampleAsync(sidecar, 20);

        using var flood = new CancellationTokenSource();
        var written = 0L;
        var flooder = Task.Run(() => FloodAsync(sidecar, n => Interlocked.Add(ref written, n), flood.Token), Ct);
        await Poll.UntilAsync(_ => Task.FromResult(Interlocked.Read(ref written) > 0), "the flood under way", cancellationToken: Ct);
        var during = await SampleAsync(sidecar, 100);
        Report($"during flood: {string.Join(' ', during.Select(d => d.ToString("0", System.Globalization.CultureInfo.InvariantCulture)))}");
        // Bounded: a connection still open after 30 s counts as not closed.
        flood.CancelAfter(TimeSpan.FromSeconds(30));
        var closedAfter = await flooder;

        Report($"new-connection request latency ms, baseline p50 {Percentile(baseline, 0.5):0.0} max {baseline.Max():0.0}; during flood p50 {Percentile(during, 0.5):0.0} max {during.Max():0.0}; flood connection closed after {closedAfter.TotalSeconds:0.0} s, {Interlocked.Read(ref written) / 1024} KiB written");
        Assert.True(during.Max() < 250, $"a request on a new connection took {during.Max():0} ms during the flood");
        Assert.True(closedAfter < TimeSpan.FromSeconds(30), $"flood connection open for {closedAfter}");
    }

    /// <summary>SETTINGS and PING frames as fast as the socket takes them, never reading; returns when the sidecar
    /// closed the connection (how long the flood lasted).</summary>
    private static async Task<TimeSpan> FloodAsync(ProcessSidecar sidecar, Action<long> wrote, CancellationToken cancellationToken)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(sidecar.AppEndPoint, cancellationToken);
        client.ReceiveBufferSize = 4096;
        var stream = client.GetStream();
        await stream.WriteAsync(Http2Frames.ConnectionStart(), cancellationToken);
        var burst = new List<byte>();
        for (var i = 0; i < 1000; i++)
        {
            burst.AddRange(Http2Frames.Frame(Http2Frames.Settings, 0, 0, []));
            burst.AddRange(Http2Frames.Frame(Http2Frames.Ping, 0, 0, new byte[8]));
        }
        var bytes = burst.ToArray();
        var started = Stopwatch.GetTimestamp();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await stream.WriteAsync(bytes, cancellationToken);
                wrote(bytes.Length);
            }
        }
        catch (IOException)
        {
            // The sidecar closed it.
        }
        catch (OperationCanceledException)
        {
            // Still open when the test gave up.
        }
        return Stopwatch.GetElapsedTime(started);
    }

    private static async Task<double[]> SampleAsync(ProcessSidecar sidecar, int count)
    {
        var samples = new double[count];
        for (var i = 0; i < count; i++)
        {
            samples[i] = (await sidecar.TimeNewConnectionRequestAsync(Ct)).TotalMilliseconds;
        }
        return samples;
    }

    private static double Percentile(double[] samples, double p)
    {
        var sorted = samples.Order().ToArray();
        return sorted[(int)Math.Min(sorted.Length - 1, Math.Floor(p * sorted.Length))];
    }
}
