using System.Net;
using System.Net.Sockets;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// Bounded waiting: a condition is probed until it holds or a deadline passes, and the failure says what was
/// awaited and what was last seen. The short pause between probes is pacing, not synchronisation.
/// </summary>
public static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(15);

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(20);

    /// <summary>
    /// Probes until it returns true. A probe that throws counts as "not yet" (its last exception is reported on
    /// timeout), except <see cref="InvalidOperationException"/>, which says waiting longer cannot help and
    /// ends the wait at once. <paramref name="describe"/> adds context (e.g. a server's stderr) to the failure.
    /// </summary>
    public static async Task UntilAsync(
        Func<CancellationToken, Task<bool>> probe,
        string what,
        TimeSpan? timeout = null,
        Func<string>? describe = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(probe);

        var limit = timeout ?? DefaultTimeout;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(limit);
        Exception? lastError = null;
        while (true)
        {
            try
            {
                if (await probe(deadline.Token))
                {
                    return;
                }

                lastError = null;
            }
            catch (Exception ex) when (ex is not InvalidOperationException && !cancellationToken.IsCancellationRequested)
            {
                if (!deadline.IsCancellationRequested || ex is not OperationCanceledException)
                {
                    lastError = ex;
                }
            }

            try
            {
                await Task.Delay(Interval, deadline.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                var last = lastError is null ? string.Empty : $" Last error: {lastError.GetType().Name}: {lastError.Message}";
                throw new TimeoutException($"Timed out after {limit.TotalSeconds:0.#} s waiting for {what}.{last}{describe?.Invoke()}");
            }
        }
    }

    /// <summary>True once a TCP connection to <paramref name="endPoint"/> is accepted.</summary>
    public static async Task<bool> AcceptsTcpAsync(IPEndPoint endPoint, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endPoint);
        using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(endPoint, cancellationToken);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
