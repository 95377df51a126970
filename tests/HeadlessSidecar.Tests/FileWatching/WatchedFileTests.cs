using System.Text;
using HeadlessSidecar.FileWatching;

namespace HeadlessSidecar.Tests.FileWatching;

public sealed class WatchedFileTests
{
    [Fact]
    public void HashOf_SameContent_SameHash_OneByteChanged_Different()
    {
        var content = Encoding.UTF8.GetBytes("{ \"Sidecar\": { \"Services\": {} } }");
        var changed = (byte[])content.Clone();
        changed[^2] ^= 1;

        var hash = WatchedFile.HashOf(content);

        Assert.Equal(hash, WatchedFile.HashOf((byte[])content.Clone()));
        Assert.NotEqual(hash, WatchedFile.HashOf(changed));
        Assert.Matches("^[0-9a-f]{32}$", hash);
    }
}
