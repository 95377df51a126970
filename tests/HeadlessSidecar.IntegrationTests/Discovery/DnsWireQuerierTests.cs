using System.Diagnostics;
using System.Net;
using HeadlessSidecar.Discovery;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.Tests.Discovery;
using Microsoft.Extensions.Logging.Abstractions;

namespace HeadlessSidecar.IntegrationTests.Discovery;

/// <summary>Our DNS exchange against a <see cref="ScriptedDnsServer"/>: what it waits for, retries and refuses.</summary>
public sealed class DnsWireQuerierTests
{
    private const string Fqdn = "nginx-headless.default.svc.cluster.local";
    private const string SrvName = "_web._tcp." + Fqdn;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static DnsWireQuerier Querier(params IPEndPoint[] servers) =>
        new(new EffectiveDnsSettings(servers, [], 1, TimeSpan.FromMilliseconds(500)), TimeProvider.System, NullLogger<DnsWireQuerier>.Instance);

    private static byte[] Answer(ScriptedDnsServer.DnsQuery query, params string[] pods)
    {
        var packet = DnsPacket.AnswerTo(query.Id, query.Name, query.Type);
        foreach (var pod in pods)
        {
            packet.Answers.Add(DnsPacket.SrvRecord(SrvName, $"{pod}.{Fqdn}"));
            packet.Additionals.Add(DnsPacket.AddressRecord($"{pod}.{Fqdn}", "10.0.0.1"));
        }
        return packet.ToArray();
    }

    [Fact]
    public async Task QueryAsync_SpoofedDatagramsBeforeTheAnswer_AnswerTakenInTheSameAttempt()
    {
        await using var dns = ScriptedDnsServer.Start(q =>
        [
            .. Enumerable.Range(1, 5).Select(i => Answer(q with { Id = (ushort)(q.Id + i) }, "canary")),
            Answer(q, "web-0"),
        ]);

        var result = await Querier(dns.EndPoint).QueryAsync(SrvName, DnsQueryType.Srv, Ct);

        Assert.Equal(DnsQueryStatus.Success, result.Status);
        Assert.Equal([$"web-0.{Fqdn}."], result.Srv.Select(r => r.Target));
        Assert.Equal(5, result.Rejections.MismatchedAnswer);
        Assert.Equal(1, dns.QueryCount);
    }

    [Fact]
    public async Task QueryAsync_OnlySpoofedDatagrams_TimeoutAfterEveryAttemptCountingEach()
    {
        await using var dns = ScriptedDnsServer.Start(q => [Answer(q with { Id = (ushort)(q.Id ^ 1) }, "canary")]);

        var result = await Querier(dns.EndPoint).QueryAsync(SrvName, DnsQueryType.Srv, Ct);

        Assert.Equal(DnsQueryStatus.Error, result.Status);
        Assert.Equal("timeout", result.Error);
        Assert.Equal(DnsWireQuerier.RetriesPerServer + 1, dns.QueryCount);
        Assert.Equal(DnsWireQuerier.RetriesPerServer + 1, result.Rejections.MismatchedAnswer);
    }

    [Fact]
    public async Task QueryAsync_Truncated_AskedAgainOverTcp()
    {
        await using var dns = ScriptedDnsServer.Start(q =>
        {
            if (q.OverTcp)
            {
                return [Answer(q, "web-0", "web-1")];
            }
            var truncated = DnsPacket.AnswerTo(q.Id, q.Name, q.Type);
            truncated.Flags |= 0x0200;
            return [truncated.ToArray()];
        });

        var result = await Querier(dns.EndPoint).QueryAsync(SrvName, DnsQueryType.Srv, Ct);

        Assert.Equal(2, result.Srv.Count);
        Assert.Equal(2, dns.QueryCount);
    }

    [Fact]
    public async Task QueryAsync_TcpAnswerToAnotherQuestion_Rejected()
    {
        await using var dns = ScriptedDnsServer.Start(q =>
        {
            if (q.OverTcp)
            {
                return [Answer(q with { Name = "_web._tcp.other.default.svc.cluster.local." }, "canary")];
            }
            var truncated = DnsPacket.AnswerTo(q.Id, q.Name, q.Type);
            truncated.Flags |= 0x0200;
            return [truncated.ToArray()];
        });

        var result = await Querier(dns.EndPoint).QueryAsync(SrvName, DnsQueryType.Srv, Ct);

        Assert.Equal(DnsQueryStatus.Error, result.Status);
        Assert.Equal(1, result.Rejections.MismatchedAnswer);
    }

    [Fact]
    public async Task QueryAsync_FirstServerServfailsSecondAnswers_SecondServersAnswer()
    {
        await using var failing = ScriptedDnsServer.Start(q => [DnsPacket.AnswerTo(q.Id, q.Name, q.Type).WithRcode(2).ToArray()]);
        await using var answering = ScriptedDnsServer.Start(q => [Answer(q, "web-0")]);

        var result = await Querier(failing.EndPoint, answering.EndPoint).QueryAsync(SrvName, DnsQueryType.Srv, Ct);

        Assert.Equal(DnsQueryStatus.Success, result.Status);
        Assert.Equal(1, failing.QueryCount);
    }

    [Fact]
    public async Task QueryAsync_MalformedAnswerFromTheOnlyServer_ErrorWithoutRetry()
    {
        await using var dns = ScriptedDnsServer.Start(q => [Answer(q, new string('a', 80))]);

        var stopwatch = Stopwatch.StartNew();
        var result = await Querier(dns.EndPoint).QueryAsync(SrvName, DnsQueryType.Srv, Ct);

        Assert.Equal(DnsQueryStatus.Error, result.Status);
        Assert.StartsWith("malformed_name", result.Error, StringComparison.Ordinal);
        Assert.Equal(1, result.Rejections.MalformedName);
        Assert.Equal(1, dns.QueryCount);
        Assert.True(stopwatch.Elapsed < TimeSpan.FromMilliseconds(500), "refused at once, not after a timeout");
    }
}
