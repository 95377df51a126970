using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// Gives back the pages of the executable that start-up touched and serving does not need. A Native AOT image is
/// one 16 MB file; the kernel maps it in 64 KB around every page fault, so after start-up nearly all of it counts
/// in the sidecar's RSS although serving uses a few MB of it. A second after the host has started, and again once
/// the first traffic has settled (<see cref="FirstTrim"/>, <see cref="TrimDelay"/>), the image's mappings are
/// advised <c>MADV_RANDOM</c> (no read-ahead) and <c>MADV_PAGEOUT</c>: clean file pages leave the process and come
/// back if used again.
/// Only a hint to the kernel: written (private dirty) pages stay, nothing changes for the program, and a kernel
/// without these advices (before 5.4) ignores them.
/// </summary>
internal sealed partial class ImageTrimmer : IHostedLifecycleService, IDisposable
{
    private const int MadvRandom = 1;
    private const int MadvPageout = 21;

    /// <summary>The first trim, after start-up (readiness and the first requests are not slowed by it).</summary>
    public static readonly TimeSpan FirstTrim = TimeSpan.FromSeconds(1);

    /// <summary>The second and last trim: by then the first requests have touched what serving uses.</summary>
    public static readonly TimeSpan TrimDelay = TimeSpan.FromSeconds(5);

    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private ITimer? _timer;
    private int _trims;

    public ImageTrimmer(ILogger<ImageTrimmer> logger, TimeProvider time)
    {
        _logger = logger;
        _time = time;
    }

    public Task StartedAsync(CancellationToken cancellationToken)
    {
        // Not on the start-up path: the first trim would make the first requests fault their code back in.
        _timer = _time.CreateTimer(static s => ((ImageTrimmer)s!).OnTimer(), this, FirstTrim, Timeout.InfiniteTimeSpan);
        return Task.CompletedTask;
    }

    /// <summary>How many timed trims have run (two at most).</summary>
    internal int Trims => Volatile.Read(ref _trims);

    private void OnTimer()
    {
        Trim();
        if (Interlocked.Increment(ref _trims) == 1)
        {
            _timer?.Change(TrimDelay - FirstTrim, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Advises every mapping of the executable; returns how many mappings took the advice.</summary>
    public int Trim()
    {
        if (!OperatingSystem.IsLinux() || Environment.ProcessPath is not { } path)
        {
            return 0;
        }
        var advised = 0;
        try
        {
            foreach (var line in File.ReadLines("/proc/self/maps"))
            {
                if (ParseMapping(line, path) is not var (start, end))
                {
                    continue;
                }
                var length = (nuint)(end - start);
                if (Madvise((nint)start, length, MadvRandom) == 0 && Madvise((nint)start, length, MadvPageout) == 0)
                {
                    advised++;
                }
            }
        }
        catch (IOException ex)
        {
            Log.TrimFailed(_logger, ex.Message);
        }
        return advised;
    }

    /// <summary>The address range of a <c>/proc/self/maps</c> line if it maps <paramref name="path"/>.</summary>
    internal static (ulong Start, ulong End)? ParseMapping(ReadOnlySpan<char> line, ReadOnlySpan<char> path)
    {
        // "start-end perms offset dev inode    path"
        var slash = line.IndexOf('/');
        if (slash < 0 || !line[slash..].TrimEnd().SequenceEqual(path))
        {
            return null;
        }
        var dash = line.IndexOf('-');
        var space = line.IndexOf(' ');
        if (dash <= 0 || space <= dash
            || !ulong.TryParse(line[..dash], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var start)
            || !ulong.TryParse(line[(dash + 1)..space], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var end)
            || end <= start)
        {
            return null;
        }
        return (start, end);
    }

    [LibraryImport("libc", EntryPoint = "madvise", SetLastError = true)]
    private static partial int Madvise(nint address, nuint length, int advice);

    public Task StartingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _timer?.Dispose();

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Debug, "Could not trim the executable's pages: {Reason}")]
        public static partial void TrimFailed(ILogger logger, string reason);
    }
}
