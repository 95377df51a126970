using System.Net;
using HeadlessSidecar.Discovery;

namespace HeadlessSidecar.Tests.Discovery;

public class SnapshotDiffTests
{
    private static PodEndpoint Pod(string name, string address, int port = 80) =>
        new(name, PodNameParser.Parse(name).Ordinal, IPAddress.Parse(address), port, $"{name}.svc");

    [Fact]
    public void Compute_SameSet_None()
    {
        var diff = SnapshotDiff.Compute([Pod("web-0", "10.0.0.1")], [Pod("web-0", "10.0.0.1")]);

        Assert.Same(SnapshotDiff.None, diff);
        Assert.True(diff.IsEmpty);
    }

    [Fact]
    public void Compute_PodAppears_Added()
    {
        var diff = SnapshotDiff.Compute([Pod("web-0", "10.0.0.1")], [Pod("web-0", "10.0.0.1"), Pod("web-1", "10.0.0.2")]);

        Assert.Equal(["web-1"], diff.Added.Select(p => p.Name));
        Assert.Empty(diff.Removed);
        Assert.Empty(diff.AddressChanged);
    }

    [Fact]
    public void Compute_PodGoes_Removed()
    {
        var diff = SnapshotDiff.Compute([Pod("web-0", "10.0.0.1"), Pod("web-1", "10.0.0.2")], [Pod("web-1", "10.0.0.2")]);

        Assert.Equal(["web-0"], diff.Removed.Select(p => p.Name));
        Assert.Empty(diff.Added);
    }

    [Fact]
    public void Compute_SameNameNewAddress_AddressChanged()
    {
        var diff = SnapshotDiff.Compute([Pod("web-0", "10.0.0.1")], [Pod("web-0", "10.0.0.9")]);

        var (old, @new) = Assert.Single(diff.AddressChanged);
        Assert.Equal(IPAddress.Parse("10.0.0.1"), old.Address);
        Assert.Equal(IPAddress.Parse("10.0.0.9"), @new.Address);
        Assert.Empty(diff.Added);
        Assert.Empty(diff.Removed);
    }

    [Fact]
    public void Compute_SameNameNewPort_AddressChanged()
    {
        var diff = SnapshotDiff.Compute([Pod("web-0", "10.0.0.1", 80)], [Pod("web-0", "10.0.0.1", 8080)]);

        Assert.Single(diff.AddressChanged);
    }

    [Fact]
    public void Compute_EverythingAtOnce_EachKindReported()
    {
        var diff = SnapshotDiff.Compute(
            [Pod("web-0", "10.0.0.1"), Pod("web-1", "10.0.0.2"), Pod("web-2", "10.0.0.3")],
            [Pod("web-1", "10.0.0.2"), Pod("web-2", "10.0.0.30"), Pod("web-3", "10.0.0.4")]);

        Assert.Equal(["web-3"], diff.Added.Select(p => p.Name));
        Assert.Equal(["web-0"], diff.Removed.Select(p => p.Name));
        Assert.Equal(["web-2"], diff.AddressChanged.Select(c => c.New.Name));
    }
}
