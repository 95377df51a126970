using System.Net;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Discovery;
using Microsoft.Extensions.Logging.Abstractions;
using static HeadlessSidecar.Fuzz.FuzzPropertyException;

namespace HeadlessSidecar.Fuzz;

/// <summary>
/// A DNS message as the answer to the SRV question of Service <c>nginx-headless.default.svc.cluster.local</c>
/// (transaction ID 0x4242): the reader must not throw, and whatever it lets through, the resolver must make no pod
/// outside the Service's domain and look up no name outside it.
/// </summary>
internal static class DnsAnswerTarget
{
    public const ushort Id = 0x4242;
    public const string Service = "nginx-headless.default.svc.cluster.local";
    public const string SrvName = "_web._tcp." + Service;

    private static readonly DnsQuestion s_question = DnsQuestion.Create(SrvName, DnsQueryType.Srv, Id)!;
    private static readonly ServiceOptions s_service = new()
    {
        Name = "web", Host = Service + ".", PortName = "web", Listen = new IPEndPoint(IPAddress.Loopback, 1),
    };

    /// <summary>Answers the SRV question with the fuzzed message and every other lookup with NODATA, noting the names.</summary>
    private sealed class OneAnswerQuerier(DnsQueryResult answer) : IDnsQuerier
    {
        public List<string> Asked { get; } = [];

        public Task<DnsQueryResult> QueryAsync(string name, DnsQueryType type, CancellationToken cancellationToken)
        {
            if (type == DnsQueryType.Srv)
            {
                return Task.FromResult(answer);
            }
            lock (Asked)
            {
                Asked.Add(DnsNames.Absolute(name));
            }
            return Task.FromResult(DnsQueryResult.NoData());
        }
    }

    public static void Run(byte[] input)
    {
        var outcome = DnsResponseReader.Read(input, s_question, 64, out var answer);
        Check(Enum.IsDefined(outcome), "a documented outcome");
        if (outcome != DnsReadOutcome.Answer)
        {
            return;
        }
        Check(answer.Status != DnsQueryStatus.Success || answer.Srv.Count > 0, "a success has records");
        Check(answer.Srv.All(r => r.Ttl >= TimeSpan.Zero && r.Ttl <= DnsResponseReader.MaxTtl), "TTLs clamped");

        var querier = new OneAnswerQuerier(answer);
        var resolver = new ServiceResolver(querier, new EffectiveDnsSettings([], [], 1, TimeSpan.FromSeconds(1)), NullLogger<ServiceResolver>.Instance);
        var resolution = resolver.ResolveAsync(s_service, null, [], CancellationToken.None).GetAwaiter().GetResult();
        var domain = Service + ".";
        Check(resolution.Pods.All(p => ServiceResolver.IsInDomain(DnsNames.Absolute(p.HostName), domain)), "no pod outside the Service");
        Check(querier.Asked.All(name => ServiceResolver.IsInDomain(name, domain)), "no lookup outside the Service");
    }
}
