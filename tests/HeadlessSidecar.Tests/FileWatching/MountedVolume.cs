using System.Runtime.InteropServices;
using System.Text;

namespace HeadlessSidecar.Tests.FileWatching;

/// <summary>
/// A directory laid out as the kubelet's atomic writer lays out a mounted Secret or ConfigMap: the data in a
/// timestamped directory (<c>..2026_12_06_02_00_00.123/tls.crt</c>), <c>..data</c> a symlink to it, and each key a
/// symlink through <c>..data</c> (<c>tls.crt -> ..data/tls.crt</c>). An update writes a new timestamped directory,
/// points a new symlink at it, renames that over <c>..data</c> and deletes the old directory.
/// </summary>
internal sealed class MountedVolume : IDisposable
{
    private int _generation;
    private string? _dataDirectory;

    private MountedVolume(string directory) => Directory = directory;

    public string Directory { get; }

    public string PathOf(string key) => Path.Combine(Directory, key);

    /// <summary>The timestamped directory <c>..data</c> points at now.</summary>
    public string DataDirectory => _dataDirectory!;

    public static MountedVolume Create(IReadOnlyDictionary<string, string> files)
    {
        var volume = new MountedVolume(System.IO.Directory.CreateTempSubdirectory("headless-sidecar-volume-").FullName);
        volume.Update(files);
        return volume;
    }

    /// <summary>Swaps in <paramref name="files"/> atomically, as a Secret update does.</summary>
    public void Update(IReadOnlyDictionary<string, string> files)
    {
        var old = _dataDirectory;
        var name = $"..2026_12_06_02_{_generation / 60:00}_{_generation % 60:00}.{123 + _generation}";
        _generation++;
        var data = Path.Combine(Directory, name);
        System.IO.Directory.CreateDirectory(data);
        foreach (var (key, content) in files)
        {
            File.WriteAllBytes(Path.Combine(data, key), Encoding.UTF8.GetBytes(content));
        }
        var temporary = Path.Combine(Directory, "..data_tmp");
        File.CreateSymbolicLink(temporary, name);
        Rename(temporary, Path.Combine(Directory, "..data"));
        foreach (var key in files.Keys)
        {
            var link = Path.Combine(Directory, key);
            if (new FileInfo(link).LinkTarget is null)
            {
                File.CreateSymbolicLink(link, Path.Combine("..data", key));
            }
        }
        if (old is not null)
        {
            System.IO.Directory.Delete(old, recursive: true);
        }
        _dataDirectory = data;
    }

    /// <summary>Writes <paramref name="content"/> straight into the current data, in place: not how the kubelet
    /// writes, but how a file is seen half-written.</summary>
    public void WriteInPlace(string key, string content) => File.WriteAllText(Path.Combine(DataDirectory, key), content);

    public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);

    // rename(2) replaces a symlink atomically; File.Move refuses a link to a directory as its source.
    private static void Rename(string from, string to)
    {
        if (rename(from, to) != 0)
        {
            throw new IOException($"rename '{from}' -> '{to}' failed: errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", SetLastError = true)]
#pragma warning disable CA2101, SYSLIB1054 // Test-only libc call with explicit UTF-8 marshalling.
    private static extern int rename([MarshalAs(UnmanagedType.LPUTF8Str)] string oldpath, [MarshalAs(UnmanagedType.LPUTF8Str)] string newpath);
#pragma warning restore CA2101, SYSLIB1054
}
