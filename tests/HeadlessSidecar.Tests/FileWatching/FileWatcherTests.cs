using HeadlessSidecar.FileWatching;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;

namespace HeadlessSidecar.Tests.FileWatching;

public sealed class FileWatcherTests : IDisposable
{
    private static readonly TimeSpan Interval = FileWatcherOptions.DefaultPollInterval;

    private readonly FakeTimeProvider _time = new();
    private readonly MountedVolume _volume = MountedVolume.Create(new Dictionary<string, string> { ["tls.crt"] = "cert-1", ["tls.key"] = "key-1" });
    private readonly List<FileSetSnapshot> _fired = [];
    private FileWatcher? _watcher;

    public void Dispose()
    {
        _watcher?.Dispose();
        _volume.Dispose();
    }

    private FileWatcher Watch(params string[] keys)
    {
        _watcher = new FileWatcher(keys.Select(_volume.PathOf), new FileWatcherOptions(), _time, NullLogger<FileWatcher>.Instance);
        var watcher = _watcher;
        ChangeToken.OnChange(watcher.GetChangeToken, () => _fired.Add(watcher.Current));
        return watcher;
    }

    /// <summary>Lets <paramref name="count"/> polls happen, one interval at a time (one Advance fires a rescheduled timer once).</summary>
    private void Polls(int count)
    {
        for (var i = 0; i < count; i++)
        {
            _time.Advance(Interval);
        }
    }

    private static string Text(WatchedFile file) => System.Text.Encoding.UTF8.GetString(file.Content.Span);

    [Fact]
    public void Constructor_MountedSecret_PublishesVersion1ThroughEveryLink()
    {
        var watcher = Watch("tls.crt", "tls.key");

        var snapshot = watcher.Current;
        Assert.Equal(1, snapshot.Version);
        Assert.Null(snapshot.Error);
        Assert.Equal(["cert-1", "key-1"], snapshot.Files.Select(Text));
        Assert.Equal(_volume.PathOf("tls.crt"), snapshot.Files[0].Path);
        Assert.Equal(Path.Combine(_volume.DataDirectory, "tls.crt"), snapshot.Files[0].ResolvedPath);
        Assert.Empty(_fired);
    }

    [Fact]
    public void Poll_DataSymlinkSwapped_ReportsNewContentOnceAfterTwoEqualReads()
    {
        var watcher = Watch("tls.crt", "tls.key");
        _volume.Update(new Dictionary<string, string> { ["tls.crt"] = "cert-2", ["tls.key"] = "key-2" });

        Polls(1);
        Assert.Equal(1, watcher.Current.Version);
        Assert.Empty(_fired);

        Polls(1);
        var changed = Assert.Single(_fired);
        Assert.Equal(2, changed.Version);
        Assert.Equal(["cert-2", "key-2"], changed.Files.Select(Text));
        Assert.Equal(Path.Combine(_volume.DataDirectory, "tls.key"), changed.Files[1].ResolvedPath);

        Polls(5);
        Assert.Single(_fired);
        Assert.Same(changed, watcher.Current);
    }

    [Fact]
    public void Poll_HalfWrittenFile_NeverReported()
    {
        var watcher = Watch("tls.crt");
        _volume.WriteInPlace("tls.crt", "cert-2 half");
        Polls(1);
        _volume.WriteInPlace("tls.crt", "cert-2 whole");
        Polls(1);
        Assert.Empty(_fired);

        Polls(1);
        var changed = Assert.Single(_fired);
        Assert.Equal(2, changed.Version);
        Assert.Equal("cert-2 whole", Text(changed.Files[0]));
        Assert.Same(changed, watcher.Current);
    }

    [Fact]
    public void Poll_SameContentSwappedInAndRewritten_NoChange()
    {
        var watcher = Watch("tls.crt", "tls.key");
        var first = watcher.Current;

        _volume.Update(new Dictionary<string, string> { ["tls.crt"] = "cert-1", ["tls.key"] = "key-1" });
        Polls(1);
        _volume.WriteInPlace("tls.crt", "cert-1");
        File.SetLastWriteTimeUtc(Path.Combine(_volume.DataDirectory, "tls.crt"), DateTime.UtcNow.AddHours(1));
        Polls(4);

        Assert.Empty(_fired);
        Assert.Same(first, watcher.Current);
    }

    [Fact]
    public void Poll_FileMissing_ErrorStateKeepsContentAndClearsWhenBack()
    {
        var watcher = Watch("tls.crt", "tls.key");
        _volume.Update(new Dictionary<string, string> { ["tls.crt"] = "cert-1" });

        Polls(1);
        var broken = Assert.Single(_fired);
        Assert.Equal(1, broken.Version);
        Assert.Contains("tls.key' does not exist", broken.Error, StringComparison.Ordinal);
        Assert.Equal(["cert-1", "key-1"], broken.Files.Select(Text));

        // Still missing: the same error is not reported again.
        Polls(3);
        Assert.Single(_fired);

        _volume.Update(new Dictionary<string, string> { ["tls.crt"] = "cert-1", ["tls.key"] = "key-1" });
        Polls(1);
        Assert.Equal(2, _fired.Count);
        Assert.Null(watcher.Current.Error);
        Assert.Equal(1, watcher.Current.Version);
        Polls(3);
        Assert.Equal(2, _fired.Count);
    }

    [Fact]
    public void Constructor_FileMissing_Version0UntilItAppearsAndHoldsStill()
    {
        var watcher = Watch("config.json");
        Assert.Equal(0, watcher.Current.Version);
        Assert.Empty(watcher.Current.Files);
        Assert.Contains("config.json' does not exist", watcher.Current.Error, StringComparison.Ordinal);

        _volume.Update(new Dictionary<string, string> { ["tls.crt"] = "cert-1", ["tls.key"] = "key-1", ["config.json"] = "{}" });
        Polls(1);
        Assert.Equal(0, watcher.Current.Version);
        Assert.Null(watcher.Current.Error);

        Polls(1);
        Assert.Equal(1, watcher.Current.Version);
        Assert.Equal("{}", Text(watcher.Current.Files[0]));
        Assert.Equal(2, _fired.Count);
    }

    [Fact]
    public void Poll_FileLargerThanLimit_ErrorState()
    {
        _watcher = new FileWatcher([_volume.PathOf("tls.crt")], new FileWatcherOptions { MaxFileBytes = 8 }, _time, NullLogger<FileWatcher>.Instance);
        _volume.Update(new Dictionary<string, string> { ["tls.crt"] = "a certificate too long", ["tls.key"] = "key-1" });
        Polls(1);
        Assert.Contains("more than the 8 bytes", _watcher.Current.Error, StringComparison.Ordinal);
        Assert.Equal("cert-1", Text(_watcher.Current.Files[0]));
    }

    [Fact]
    public void Dispose_StopsPolling()
    {
        var watcher = Watch("tls.crt");
        watcher.Dispose();
        _volume.Update(new Dictionary<string, string> { ["tls.crt"] = "cert-2" });
        Polls(3);
        Assert.Empty(_fired);
        Assert.Equal(1, watcher.Current.Version);
    }
}
