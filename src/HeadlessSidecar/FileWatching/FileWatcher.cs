using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;

namespace HeadlessSidecar.FileWatching;

/// <summary>
/// Watches a set of files by polling their content, for mounted Secrets and ConfigMaps. Kubernetes updates those
/// by atomically renaming a <c>..data</c> symlink over a new timestamped directory; <see cref="FileSystemWatcher"/>
/// watches the link, not where it leads, and never hears of it. So each poll opens every path (the kernel follows
/// each link at open, so a swap is seen whole or not at all) and compares a hash of what it read.
/// </summary>
/// <remarks>
/// New content is published once it reads the same on two polls in a row, so a file caught half-written is never
/// reported; the same content again (a resync that rewrote it, a touch) is no change. A file that is missing,
/// unreadable or too large puts the snapshot in an error state and keeps the last good content. Every new
/// snapshot, content or error state, fires the <see cref="GetChangeToken">change token</see>; owners compare
/// <see cref="FileSetSnapshot.Version"/> to tell new content from a change of error state.
/// </remarks>
internal sealed partial class FileWatcher : IDisposable
{
    private readonly string[] _paths;
    private readonly FileWatcherOptions _options;
    private readonly ILogger _logger;
    private readonly Lock _lock = new();
    private readonly ITimer _timer;
    private FileSetSnapshot _current;
    // Content read by the previous poll that differs from _current: published if the next poll reads it again.
    private WatchedFile[]? _candidate;
    private CancellationTokenSource _changeSource = new();
    private IChangeToken _changeToken;
    private bool _disposed;

    /// <summary>Reads the files once at once (that content is published without waiting, as version 1) and then
    /// polls them every <see cref="FileWatcherOptions.PollInterval"/> of <paramref name="timeProvider"/>.</summary>
    public FileWatcher(IEnumerable<string> paths, FileWatcherOptions options, TimeProvider timeProvider, ILogger<FileWatcher> logger)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(timeProvider);
        _paths = [.. paths.Select(SymbolicLinks.Absolute)];
        if (_paths.Length == 0)
        {
            throw new ArgumentException("at least one path is needed", nameof(paths));
        }
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.PollInterval, TimeSpan.Zero, nameof(options));
        _options = options;
        _logger = logger;
        _changeToken = new CancellationChangeToken(_changeSource.Token);
        var (files, error) = Read();
        _current = error is null ? new FileSetSnapshot(1, files, null) : new FileSetSnapshot(0, [], error);
        if (error is not null)
        {
            Log.Unreadable(_logger, error);
        }
        _timer = timeProvider.CreateTimer(static state => ((FileWatcher)state!).Poll(), this, options.PollInterval, Timeout.InfiniteTimeSpan);
    }

    /// <summary>The watched paths, made absolute, in the order given.</summary>
    public IReadOnlyList<string> Paths => _paths;

    public FileSetSnapshot Current => Volatile.Read(ref _current);

    /// <summary>Fires once when <see cref="Current"/> is next replaced. Use with <see cref="ChangeToken.OnChange(Func{IChangeToken?}, Action)"/>.</summary>
    public IChangeToken GetChangeToken() => Volatile.Read(ref _changeToken);

    private void Poll()
    {
        CancellationTokenSource? fired = null;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            var (files, error) = Read();
            var next = Apply(files, error);
            if (next is not null)
            {
                Volatile.Write(ref _current, next);
                fired = _changeSource;
                _changeSource = new CancellationTokenSource();
                Volatile.Write(ref _changeToken, new CancellationChangeToken(_changeSource.Token));
            }
            // Rescheduled after the read, so a slow disk never stacks polls.
            _timer.Change(_options.PollInterval, Timeout.InfiniteTimeSpan);
        }
        if (fired is not null)
        {
            try
            {
                fired.Cancel();
            }
            catch (AggregateException ex)
            {
                Log.ListenerFailed(_logger, ex.InnerException ?? ex);
            }
            fired.Dispose();
        }
    }

    /// <summary>The snapshot that follows from one poll's reading, or null when nothing changed.</summary>
    private FileSetSnapshot? Apply(WatchedFile[] files, string? error)
    {
        var current = _current;
        if (error is not null)
        {
            _candidate = null;
            if (error == current.Error)
            {
                return null;
            }
            Log.Unreadable(_logger, error);
            return current.WithError(error);
        }
        if (SameContent(files, current.Files))
        {
            _candidate = null;
            if (current.Error is null)
            {
                return null;
            }
            Log.ReadableAgain(_logger, string.Join(", ", _paths));
            return current.WithError(null);
        }
        if (_candidate is not null && SameContent(files, _candidate))
        {
            _candidate = null;
            var next = new FileSetSnapshot(current.Version + 1, files, null);
            Log.ContentChanged(_logger, string.Join(", ", files.Select(f => f.ResolvedPath)), next.Version);
            return next;
        }
        _candidate = files;
        if (current.Error is not null)
        {
            Log.ReadableAgain(_logger, string.Join(", ", _paths));
            return current.WithError(null);
        }
        return null;
    }

    private static bool SameContent(WatchedFile[] a, IReadOnlyList<WatchedFile> b)
    {
        if (a.Length != b.Count)
        {
            return false;
        }
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i].Hash != b[i].Hash)
            {
                return false;
            }
        }
        return true;
    }

    private (WatchedFile[] Files, string? Error) Read()
    {
        var files = new WatchedFile[_paths.Length];
        for (var i = 0; i < _paths.Length; i++)
        {
            var path = _paths[i];
            try
            {
                var content = ReadWhole(path, _options.MaxFileBytes);
                files[i] = new WatchedFile(path, ResolveOrSelf(path), content, WatchedFile.HashOf(content));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                return ([], $"'{path}' {Describe(ex)}");
            }
        }
        return (files, null);
    }

    private static byte[] ReadWhole(string path, int maxBytes)
    {
        // Opened by the path as given, never by a resolved one: a resolved directory may be deleted by the kubelet
        // right after the swap, while the path as given always leads to a whole old or a whole new file.
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var length = RandomAccess.GetLength(handle);
        if (length > maxBytes)
        {
            throw new FileTooLargeException(length, maxBytes);
        }
        var buffer = new byte[length];
        var read = 0;
        while (read < buffer.Length)
        {
            var n = RandomAccess.Read(handle, buffer.AsSpan(read), read);
            if (n == 0)
            {
                // Truncated while being read: what was there is what counts, the next poll reads again.
                return buffer[..read];
            }
            read += n;
        }
        return buffer;
    }

    private static string ResolveOrSelf(string path)
    {
        try
        {
            return SymbolicLinks.Resolve(path);
        }
        catch (IOException)
        {
            return path;
        }
    }

    // Our own words: the published binary trims exception messages to resource keys.
    private static string Describe(Exception ex) => ex switch
    {
        FileNotFoundException or DirectoryNotFoundException => "does not exist",
        UnauthorizedAccessException => "cannot be read (permission denied, or a directory)",
        FileTooLargeException large => $"is {large.Length} bytes, more than the {large.MaxBytes} bytes a watched file may have",
        _ => $"cannot be read ({ex.GetType().Name}: {ex.Message})",
    };

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
            _timer.Dispose();
            _changeSource.Dispose();
        }
    }

    private sealed class FileTooLargeException(long length, int maxBytes) : IOException
    {
        public long Length { get; } = length;

        public int MaxBytes { get; } = maxBytes;
    }
}
