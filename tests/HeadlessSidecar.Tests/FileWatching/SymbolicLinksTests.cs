using HeadlessSidecar.FileWatching;

namespace HeadlessSidecar.Tests.FileWatching;

public sealed class SymbolicLinksTests
{
    [Fact]
    public void Resolve_MountedSecretKey_LeadsIntoTimestampedDirectory()
    {
        using var volume = MountedVolume.Create(new Dictionary<string, string> { ["tls.crt"] = "x" });
        Assert.Equal(Path.Combine(volume.DataDirectory, "tls.crt"), SymbolicLinks.Resolve(volume.PathOf("tls.crt")));

        volume.Update(new Dictionary<string, string> { ["tls.crt"] = "y" });
        Assert.Equal(Path.Combine(volume.DataDirectory, "tls.crt"), SymbolicLinks.Resolve(volume.PathOf("tls.crt")));
    }

    [Fact]
    public void Resolve_AbsoluteLinkAndDotDot_FollowsLikeTheKernel()
    {
        var root = Directory.CreateTempSubdirectory("headless-sidecar-links-").FullName;
        try
        {
            Directory.CreateDirectory(Path.Combine(root, "real", "sub"));
            File.WriteAllText(Path.Combine(root, "real", "file"), "x");
            File.CreateSymbolicLink(Path.Combine(root, "abs"), Path.Combine(root, "real", "sub"));
            // abs -> real/sub, so abs/../file is real/file (the kernel resolves ".." after the link).
            Assert.Equal(Path.Combine(root, "real", "file"), SymbolicLinks.Resolve(Path.Combine(root, "abs") + "/../file"));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Resolve_LinkLoop_Throws()
    {
        var root = Directory.CreateTempSubdirectory("headless-sidecar-links-").FullName;
        try
        {
            File.CreateSymbolicLink(Path.Combine(root, "a"), "b");
            File.CreateSymbolicLink(Path.Combine(root, "b"), "a");
            Assert.Throws<IOException>(() => SymbolicLinks.Resolve(Path.Combine(root, "a")));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }
}
