using HeadlessSidecar.Discovery;

namespace HeadlessSidecar.Tests.Discovery;

public sealed class DnsTransactionIdsTests
{
    [Fact]
    public void Next_ManyCalls_SpreadOverTheIdSpace()
    {
        var ids = Enumerable.Range(0, 512).Select(_ => DnsTransactionIds.Next()).ToArray();

        // 512 draws from 65,536 values: a few repeats at most, and both halves of the space are used.
        Assert.True(ids.Distinct().Count() > 480, $"only {ids.Distinct().Count()} distinct IDs in 512");
        Assert.Contains(ids, id => id < 0x8000);
        Assert.Contains(ids, id => id >= 0x8000);
    }
}
