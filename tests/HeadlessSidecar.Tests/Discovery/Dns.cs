using System.Net;
using HeadlessSidecar.Discovery;

namespace HeadlessSidecar.Tests.Discovery;

/// <summary>Shorthand for building answers the way CoreDNS shapes them.</summary>
internal static class Dns
{
    public const string Service = "nginx-headless.default.svc.cluster.local";
    public const string SrvName = "_web._tcp." + Service;

    public static TimeSpan Seconds(double value) => TimeSpan.FromSeconds(value);

    public static string Pod(string label, string service = Service) => $"{label}.{service}.";

    public static DnsSrvRecord Srv(string target, int port = 80, double ttl = 30, string name = SrvName) =>
        new(name + ".", 0, 33, port, target, Seconds(ttl));

    public static DnsAddressRecord Address(string name, string address, double ttl = 30) =>
        new(name, IPAddress.Parse(address), Seconds(ttl));

    public static DnsPtrRecord Ptr(string address, string target, double ttl = 30) =>
        new(DnsNames.ReverseLookupName(IPAddress.Parse(address)), target, Seconds(ttl));

    /// <summary>An SRV answer with the targets' A records in the additional section.</summary>
    public static DnsQueryResult SrvAnswer(double ttl, params (string Label, string Address)[] pods) =>
        DnsQueryResult.Success(
            srv: [.. pods.Select(p => Srv(Pod(p.Label), ttl: ttl))],
            additionalAddresses: [.. pods.Select(p => Address(Pod(p.Label), p.Address, ttl))]);

    /// <summary>An SRV answer for another search candidate, its targets under that name as cluster DNS writes them.</summary>
    public static DnsQueryResult SrvAnswerUnder(string service, double ttl, params (string Label, string Address)[] pods) =>
        DnsQueryResult.Success(
            srv: [.. pods.Select(p => Srv(Pod(p.Label, service), ttl: ttl, name: "_web._tcp." + service))],
            additionalAddresses: [.. pods.Select(p => Address(Pod(p.Label, service), p.Address, ttl))]);

    public static DnsQueryResult A(double ttl, params string[] addresses) =>
        DnsQueryResult.Success(addresses: [.. addresses.Select(a => Address(Service + ".", a, ttl))]);
}
