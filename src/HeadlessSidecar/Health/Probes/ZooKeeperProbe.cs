using System.Text;

namespace HeadlessSidecar.Health.Probes;

/// <summary>
/// ZooKeeper's <c>srvr</c> four-letter word (enabled by default since 3.5, unlike <c>ruok</c>): the answer,
/// read to the end of the stream, is healthy when it names a <c>Zookeeper version:</c>; <c>Mode: leader</c>
/// or <c>standalone</c> is primary, <c>follower</c> or <c>observer</c> replica.
/// </summary>
internal sealed class ZooKeeperProbe : IProtocolProbe
{
    public const int MaxAnswerBytes = 16 * 1024;

    private const string Protocol = "ZooKeeper";

    public static ZooKeeperProbe Instance { get; } = new();

    public ValueTask<ProbeResult> ProbeAsync(Stream connection, ProbeCredentials? credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return ProbeExchange.RunAsync(Protocol, ct => ExchangeAsync(connection, ct), cancellationToken);
    }

    private static async ValueTask<ProbeResult> ExchangeAsync(Stream connection, CancellationToken cancellationToken)
    {
        await connection.WriteAsync("srvr"u8.ToArray(), cancellationToken);
        await connection.FlushAsync(cancellationToken);

        var buffer = new byte[MaxAnswerBytes + 1];
        var length = 0;
        int read;
        while ((read = await connection.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
            if (length > MaxAnswerBytes)
            {
                throw new ProbeProtocolException($"srvr answer longer than {MaxAnswerBytes} bytes");
            }
        }

        return Classify(Encoding.UTF8.GetString(buffer, 0, length));
    }

    internal static ProbeResult Classify(string answer)
    {
        if (answer.Contains("not in the whitelist", StringComparison.Ordinal))
        {
            return ProbeResult.Fail($"{Protocol}: srvr is not allowed (add it to 4lw.commands.whitelist)");
        }

        if (answer.Contains("not currently serving requests", StringComparison.Ordinal))
        {
            return ProbeResult.Fail($"{Protocol}: the server is not currently serving requests");
        }

        if (!answer.Contains("Zookeeper version:", StringComparison.Ordinal))
        {
            return ProbeResult.Fail(answer.Length == 0
                ? $"{Protocol}: srvr got an empty answer"
                : $"{Protocol}: srvr answer without 'Zookeeper version:'");
        }

        foreach (var line in answer.Split('\n'))
        {
            if (line.TrimEnd('\r') is var trimmed && trimmed.StartsWith("Mode: ", StringComparison.Ordinal))
            {
                return ProbeResult.Pass(trimmed["Mode: ".Length..].Trim() switch
                {
                    "leader" or "standalone" => PodRole.Primary,
                    "follower" or "observer" => PodRole.Replica,
                    _ => PodRole.Unknown, // read-only: cut off from its quorum
                });
            }
        }

        return ProbeResult.Pass();
    }
}
