using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>Writes a <see cref="ClusterZone"/> as master files. Every owner name is absolute.</summary>
internal sealed class ZoneFileRenderer(ClusterZone zone, uint serial)
{
    // The SOA CoreDNS synthesises: ns.dns.<zone>, hostmaster.<zone>, refresh 7200, retry 1800, expire 86400.
    private const string SoaTimers = "7200 1800 86400";

    private string NameServer => $"ns.dns.{zone.ClusterDomain}.";

    public string RenderClusterZone(IPAddress? nameServerAddress)
    {
        var text = new StringBuilder();
        AppendHeader(text, zone.ClusterDomain);
        if (nameServerAddress is not null)
        {
            AppendRecord(text, NameServer, AddressType(nameServerAddress), nameServerAddress.ToString());
        }

        foreach (var service in zone.Services)
        {
            AppendService(text, service);
        }

        return text.ToString();
    }

    /// <summary>PTR records of every published pod whose address falls in <paramref name="origin"/>.</summary>
    public string RenderReverseZone(string origin)
    {
        var family = origin == ClusterZone.ReverseZoneV4 ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        var text = new StringBuilder();
        AppendHeader(text, origin);
        foreach (var service in zone.Services)
        {
            foreach (var pod in service.PublishedPods.Where(p => p.Address.AddressFamily == family))
            {
                AppendRecord(text, DnsNames.ReverseName(pod.Address) + ".", "PTR", service.PodFqdn(pod) + ".");
            }
        }

        return text.ToString();
    }

    private void AppendService(StringBuilder text, HeadlessService service)
    {
        var pods = service.PublishedPods.ToList();
        text.Append(CultureInfo.InvariantCulture, $"; service {service.Name}.{service.Namespace}: {pods.Count} published of {service.Pods.Count} pods\n");
        if (pods.Count == 0)
        {
            AppendEmptyService(text, service);
            return;
        }

        var serviceName = service.Fqdn + ".";
        foreach (var pod in pods)
        {
            AppendRecord(text, serviceName, AddressType(pod.Address), pod.Address.ToString());
        }

        foreach (var pod in pods)
        {
            AppendRecord(text, service.PodFqdn(pod) + ".", AddressType(pod.Address), pod.Address.ToString());
        }

        foreach (var (portName, port) in service.Ports)
        {
            AppendSrvSet(text, service.SrvName(portName) + ".", service, pods, [port]);
        }

        // CoreDNS also answers SRV on the bare service name: one record per pod and port.
        if (service.Ports.Count > 0)
        {
            AppendSrvSet(text, serviceName, service, pods, [.. service.Ports.Select(p => p.Port)]);
        }
    }

    private void AppendSrvSet(StringBuilder text, string owner, HeadlessService service, List<ClusterPod> pods, int[] ports)
    {
        // CoreDNS: priority 0, weight = floor(100 / records in the answer), at least 1.
        var weight = Math.Max(1, 100 / (pods.Count * ports.Length));
        foreach (var port in ports)
        {
            foreach (var pod in pods)
            {
                AppendRecord(text, owner, "SRV", string.Create(CultureInfo.InvariantCulture, $"0 {weight} {port} {service.PodFqdn(pod)}."));
            }
        }
    }

    private void AppendEmptyService(StringBuilder text, HeadlessService service)
    {
        if (zone.EmptyServiceAnswer == EmptyServiceAnswer.NxDomain)
        {
            return; // ignore empty_service: the names simply do not exist.
        }

        // A master file cannot hold a name with no records, yet CoreDNS answers NOERROR/NODATA for a Service
        // without ready pods. A TXT record, a type the sidecar never asks for, at each SRV owner name
        // (_web._tcp.<service>) makes those names exist with no SRV, and makes <service> and _tcp.<service>
        // empty non-terminals: A, AAAA and SRV all get NODATA. With no named port, the TXT sits on <service>.
        const string Placeholder = "\"headless-sidecar test fixture: service without ready endpoints\"";
        if (service.Ports.Count == 0)
        {
            AppendRecord(text, service.Fqdn + ".", "TXT", Placeholder);
            return;
        }

        foreach (var (portName, _) in service.Ports)
        {
            AppendRecord(text, service.SrvName(portName) + ".", "TXT", Placeholder);
        }
    }

    private void AppendHeader(StringBuilder text, string origin)
    {
        text.Append(CultureInfo.InvariantCulture, $"; {origin}, serial {serial}: rendered by ClusterZone for integration tests\n");
        text.Append(CultureInfo.InvariantCulture, $"$ORIGIN {origin}.\n");

        // Negative answers carry min(SOA TTL, SOA minimum) (RFC 2308): both are the negative TTL.
        text.Append(CultureInfo.InvariantCulture,
            $"{origin}. {zone.NegativeTtl} IN SOA {NameServer} hostmaster.{zone.ClusterDomain}. {serial} {SoaTimers} {zone.NegativeTtl}\n");
        AppendRecord(text, origin + ".", "NS", NameServer);
    }

    private void AppendRecord(StringBuilder text, string owner, string type, string data) =>
        text.Append(CultureInfo.InvariantCulture, $"{owner} {zone.Ttl} IN {type} {data}\n");

    private static string AddressType(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetwork ? "A" : "AAAA";
}
