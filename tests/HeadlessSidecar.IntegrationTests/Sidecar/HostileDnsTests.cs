using System.Net;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.Tests.Discovery;

namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// The bytes a hostile DNS server sent when probing the sidecar, sent again by <see cref="ScriptedDnsServer"/>: each
/// answer points at a <see cref="CanaryListener"/> that is no pod. None may make a pod, no connection may reach the
/// canary, the last good set stays, and <c>headless_sidecar_dns_rejected_total</c> counts the reason.
/// </summary>
public sealed class HostileDnsTests
{
    private const string Fqdn = "nginx-headless.default.svc.cluster.local";
    private const string SrvName = "_web._tcp." + Fqdn;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Pod(string label) => $"{label}.{Fqdn}";

    /// <summary>Two real pods (web-0 and web-1), a canary on the same port, and a DNS server that starts well-behaved
    /// with web-0 only.</summary>
    private sealed class Setup : IAsyncDisposable
    {
        private Setup(LoopbackHttpPod web0, LoopbackHttpPod web1, CanaryListener canary, int port)
        {
            Web0 = web0;
            Web1 = web1;
            Canary = canary;
            Port = port;
            Dns = ScriptedDnsServer.Start(q => Good(q, [Web0]));
        }

        public LoopbackHttpPod Web0 { get; }
        public LoopbackHttpPod Web1 { get; }
        public CanaryListener Canary { get; }
        public ScriptedDnsServer Dns { get; }
        public int Port { get; }
        public IPAddress CanaryAddress => Canary.EndPoint.Address;

        public static async Task<Setup> StartAsync()
        {
            var addresses = LoopbackAddresses.Next(3);
            var port = LoopbackAddresses.FreePort(addresses);
            var web0 = await LoopbackHttpPod.StartAsync("web-0", addresses[0], port, cancellationToken: Ct);
            var web1 = await LoopbackHttpPod.StartAsync("web-1", addresses[1], port, cancellationToken: Ct);
            return new Setup(web0, web1, new CanaryListener(new IPEndPoint(addresses[2], port)), port);
        }

        /// <summary>What cluster DNS would say about these pods.</summary>
        public IReadOnlyList<byte[]> Good(ScriptedDnsServer.DnsQuery query, IReadOnlyList<LoopbackHttpPod> pods)
        {
            var packet = DnsPacket.AnswerTo(query.Id, query.Name, query.Type);
            switch (query.Type)
            {
                case DnsPacket.Srv when query.Name == SrvName + ".":
                    foreach (var pod in pods)
                    {
                        packet.Answers.Add(DnsPacket.SrvRecord(SrvName, Pod(pod.Name), (ushort)Port));
                        packet.Additionals.Add(DnsPacket.AddressRecord(Pod(pod.Name), pod.Address.ToString()));
                    }
                    break;
                case DnsPacket.A when query.Name == Fqdn + ".":
                    packet.Answers.AddRange(pods.Select(p => DnsPacket.AddressRecord(Fqdn, p.Address.ToString())));
                    break;
                case DnsPacket.A when pods.FirstOrDefault(p => query.Name == Pod(p.Name) + ".") is { } pod:
                    packet.Answers.Add(DnsPacket.AddressRecord(Pod(pod.Name), pod.Address.ToString()));
                    break;
                case DnsPacket.Ptr when pods.FirstOrDefault(p => query.Name == HeadlessSidecar.Discovery.DnsNames.ReverseLookupName(p.Address)) is { } pod:
                    packet.Answers.Add(DnsPacket.PtrRecord(query.Name, Pod(pod.Name)));
                    break;
                case DnsPacket.Aaaa or DnsPacket.A or DnsPacket.Ptr when query.Name.EndsWith(Fqdn + ".", StringComparison.Ordinal)
                    || query.Name.EndsWith(".arpa.", StringComparison.Ordinal):
                    break;
                default:
                    packet.WithRcode(3);
                    break;
            }
            return [packet.ToArray()];
        }

        /// <summary>Answers every query well, but the SRV query (or, with <paramref name="onPtr"/>, the PTR queries)
        /// with <paramref name="hostile"/>.</summary>
        public void TurnHostile(Func<ScriptedDnsServer.DnsQuery, IReadOnlyList<byte[]>> hostile, bool onPtr = false) =>
            Dns.Respond = q => (onPtr ? q.Type == DnsPacket.Ptr : q.Type == DnsPacket.Srv && q.Name == SrvName + ".") ? hostile(q) : Good(q, [Web0]);

        public async ValueTask DisposeAsync()
        {
            await Dns.DisposeAsync();
            await Canary.DisposeAsync();
            await Web0.DisposeAsync();
            await Web1.DisposeAsync();
        }
    }

    /// <summary>An SRV answer for web-0 with <paramref name="extra"/> added to the answer and additional sections.</summary>
    private static DnsPacket SrvAnswer(Setup setup, ushort id, IEnumerable<byte[]> extraAnswers, IEnumerable<byte[]> extraGlue)
    {
        var packet = DnsPacket.AnswerTo(id, SrvName, DnsPacket.Srv);
        packet.Answers.Add(DnsPacket.SrvRecord(SrvName, Pod("web-0"), (ushort)setup.Port));
        packet.Answers.AddRange(extraAnswers);
        packet.Additionals.Add(DnsPacket.AddressRecord(Pod("web-0"), setup.Web0.Address.ToString()));
        packet.Additionals.AddRange(extraGlue);
        return packet;
    }

    /// <summary>A target named <paramref name="target"/> whose glue is the canary.</summary>
    private static IReadOnlyList<byte[]> CanaryTarget(Setup setup, ushort id, string target) =>
        [SrvAnswer(setup, id, [DnsPacket.SrvRecord(SrvName, target, (ushort)setup.Port)],
            [DnsPacket.AddressRecord(target, setup.CanaryAddress.ToString())]).ToArray()];

    public static TheoryData<string> Cases =>
    [
        "80-byte label", "320-byte name", "question names another name", "question names another type", "QR=0",
        "wrong ID then the right answer", "SRV target outside the domain with out-of-zone glue", "more records than the cap",
    ];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task HostileSrvAnswer_NoPodNoTrafficToItLastGoodSetKeptAndCounted(string @case)
    {
        await using var setup = await Setup.StartAsync();
        await using var sidecar = await TestSidecar.StartAsync(setup.Dns.EndPoint,
            s => s["Sidecar:Dns:MaxAnswerRecords"] = @case == "more records than the cap" ? "4" : null, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);

        var (reason, expectedPods, stale) = @case switch
        {
            "80-byte label" => Hostile(q => CanaryTarget(setup, q.Id, Pod(new string('a', 80))), "malformed_name"),
            "320-byte name" => Hostile(q => CanaryTarget(setup, q.Id, string.Join('.', Enumerable.Repeat(new string('b', 60), 4)) + "." + Pod("web-9")),
                "malformed_name"),
            "question names another name" => Hostile(q =>
            {
                var packet = SrvAnswer(setup, q.Id, [DnsPacket.SrvRecord(SrvName, Pod("web-9"), (ushort)setup.Port)],
                    [DnsPacket.AddressRecord(Pod("web-9"), setup.CanaryAddress.ToString())]);
                packet.Questions[0] = DnsPacket.Question("_web._tcp.canary.default.svc.cluster.local", DnsPacket.Srv);
                return [packet.ToArray()];
            }, "mismatched_answer"),
            "question names another type" => Hostile(q =>
            {
                var packet = SrvAnswer(setup, q.Id, [DnsPacket.SrvRecord(SrvName, Pod("web-9"), (ushort)setup.Port)],
                    [DnsPacket.AddressRecord(Pod("web-9"), setup.CanaryAddress.ToString())]);
                packet.Questions[0] = DnsPacket.Question(SrvName, DnsPacket.A);
                return [packet.ToArray()];
            }, "mismatched_answer"),
            "QR=0" => Hostile(q =>
            {
                var packet = SrvAnswer(setup, q.Id, [DnsPacket.SrvRecord(SrvName, Pod("web-9"), (ushort)setup.Port)],
                    [DnsPacket.AddressRecord(Pod("web-9"), setup.CanaryAddress.ToString())]);
                packet.Flags = 0x0100;
                return [packet.ToArray()];
            }, "mismatched_answer"),
            "wrong ID then the right answer" => Hostile(q =>
            {
                var spoofed = CanaryTarget(setup, (ushort)(q.Id ^ 0x5A5A), Pod("web-9"))[0];
                var right = setup.Good(q, [setup.Web0, setup.Web1])[0];
                return [spoofed, right];
            }, "mismatched_answer", ["web-0", "web-1"], stale: false),
            "SRV target outside the domain with out-of-zone glue" => Hostile(q => CanaryTarget(setup, q.Id, "web-9.canary.example.com"),
                "out_of_domain", stale: false),
            "more records than the cap" => Hostile(q =>
                [SrvAnswer(setup, q.Id, [DnsPacket.SrvRecord(SrvName, Pod("web-8"), (ushort)setup.Port), DnsPacket.SrvRecord(SrvName, Pod("web-9"), (ushort)setup.Port)],
                    [DnsPacket.AddressRecord(Pod("web-8"), setup.CanaryAddress.ToString()), DnsPacket.AddressRecord(Pod("web-9"), setup.CanaryAddress.ToString())]).ToArray()],
                "record_limit"),
            _ => throw new ArgumentOutOfRangeException(nameof(@case)),
        };

        (string, string[], bool) Hostile(Func<ScriptedDnsServer.DnsQuery, IReadOnlyList<byte[]>> respond, string reason, string[]? pods = null, bool stale = true)
        {
            setup.TurnHostile(respond);
            return (reason, pods ?? ["web-0"], stale);
        }

        await AssertRejectedAsync(sidecar, setup, reason, expectedPods, stale);
    }

    [Fact]
    public async Task PtrIntoAnotherDomain_NameDroppedPodKeptByItsAddress()
    {
        await using var setup = await Setup.StartAsync();
        await using var sidecar = await TestSidecar.StartAsync(setup.Dns.EndPoint, s =>
        {
            s.Remove("Sidecar:Services:web:PortName");
            s["Sidecar:Services:web:Port"] = setup.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }, cancellationToken: Ct);
        await sidecar.WaitForPodsAsync(["web-0"], cancellationToken: Ct);

        setup.TurnHostile(q =>
        {
            var packet = DnsPacket.AnswerTo(q.Id, q.Name, q.Type);
            packet.Answers.Add(DnsPacket.PtrRecord(q.Name, "web-0.canary.example.com"));
            return [packet.ToArray()];
        }, onPtr: true);

        var dashed = setup.Web0.Address.ToString().Replace('.', '-');
        await AssertRejectedAsync(sidecar, setup, "out_of_domain", [dashed], stale: false);
    }

    private static async Task AssertRejectedAsync(TestSidecar sidecar, Setup setup, string reason, string[] expectedPods, bool stale)
    {
        await sidecar.WaitUntilAsync(async ct => TestSidecar.Series(await sidecar.MetricsAsync(ct), "headless_sidecar_dns_rejected_total",
            ("service", "web"), ("reason", reason)) >= 1, $"a rejection counted as {reason}", Ct);
        await sidecar.WaitForPodsAsync(expectedPods, cancellationToken: Ct);
        // Another resolution with the hostile answer, so that anything it could have done has had its chance.
        var queries = setup.Dns.QueryCount;
        await sidecar.WaitUntilAsync(_ => Task.FromResult(setup.Dns.QueryCount > queries + 1), "another resolution", Ct);

        for (var i = 0; i < 20; i++)
        {
            using var response = await sidecar.Client.GetAsync("/", Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(expectedPods, await sidecar.PodNamesAsync(cancellationToken: Ct));
        Assert.Equal(0, setup.Canary.ConnectionCount);
        var metrics = await sidecar.MetricsAsync(Ct);
        Assert.Equal(stale ? 1 : 0, TestSidecar.Series(metrics, "headless_sidecar_dns_stale", ("service", "web")));
        foreach (var other in new[] { "mismatched_answer", "malformed_name", "out_of_domain", "record_limit" })
        {
            Assert.NotNull(TestSidecar.Series(metrics, "headless_sidecar_dns_rejected_total", ("service", "web"), ("reason", other)));
        }
    }
}
