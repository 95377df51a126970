using System.Collections.Concurrent;
using HeadlessSidecar.Discovery;

namespace HeadlessSidecar.Tests.Discovery;

/// <summary>Answers from a table; anything not in it is NXDOMAIN. Records every question.</summary>
internal sealed class FakeDnsQuerier : IDnsQuerier
{
    private readonly ConcurrentDictionary<(string Name, DnsQueryType Type), DnsQueryResult> _answers = new();
    private readonly ConcurrentQueue<(string Name, DnsQueryType Type)> _queries = new();

    public DnsQueryResult Unknown { get; set; } = DnsQueryResult.NxDomain(TimeSpan.FromSeconds(5));

    public IReadOnlyList<(string Name, DnsQueryType Type)> Queries => [.. _queries];

    public FakeDnsQuerier Set(string name, DnsQueryType type, DnsQueryResult result)
    {
        _answers[(DnsNames.Absolute(name), type)] = result;
        return this;
    }

    public void ClearQueries() => _queries.Clear();

    public int CountQueries(string name, DnsQueryType type) =>
        _queries.Count(q => q == (DnsNames.Absolute(name), type));

    public Task<DnsQueryResult> QueryAsync(string name, DnsQueryType type, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var key = (DnsNames.Absolute(name), type);
        _queries.Enqueue(key);
        return Task.FromResult(_answers.TryGetValue(key, out var result) ? result : Unknown);
    }
}
