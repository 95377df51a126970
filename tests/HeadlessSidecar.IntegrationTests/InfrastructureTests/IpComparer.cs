using System.Net;

namespace HeadlessSidecar.IntegrationTests.InfrastructureTests;

/// <summary>Orders addresses by their bytes, so sets of answers can be compared regardless of rotation.</summary>
internal sealed class IpComparer : IComparer<IPAddress>
{
    public static readonly IpComparer Instance = new();

    public int Compare(IPAddress? x, IPAddress? y) =>
        x is null || y is null
            ? Comparer<object>.Default.Compare(x, y)
            : x.GetAddressBytes().AsSpan().SequenceCompareTo(y.GetAddressBytes());
}
