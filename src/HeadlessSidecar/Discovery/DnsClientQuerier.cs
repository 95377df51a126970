using System.Net.Sockets;
using DnsClient;
using DnsClient.Protocol;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Discovery;

/// <summary>
/// <see cref="IDnsQuerier"/> over DnsClient's <see cref="LookupClient"/>, the only place that library is used. Queries go
/// to the effective name servers in order, uncached, with EDNS (a 1232-byte UDP buffer, the DNS Flag Day 2020 size)
/// and a retry over TCP when the answer comes back truncated, so a large StatefulSet's SRV set arrives whole.
/// </summary>
internal sealed partial class DnsClientQuerier : IDnsQuerier
{
    internal const int UdpBufferSize = 1232;
    internal const int RetriesPerServer = 2;

    private readonly LookupClient _client;
    private readonly ILogger<DnsClientQuerier> _logger;

    public DnsClientQuerier(EffectiveDnsSettings settings, ILogger<DnsClientQuerier> logger)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _logger = logger;
        var options = new LookupClientOptions([.. settings.Servers.Select(endpoint => new NameServer(endpoint))])
        {
            AutoResolveNameServers = false,
            UseCache = false,
            Timeout = settings.Timeout > TimeSpan.Zero ? settings.Timeout : TimeSpan.FromSeconds(2),
            Retries = RetriesPerServer,
            ThrowDnsErrors = false,
            UseTcpFallback = true,
            ExtendedDnsBufferSize = UdpBufferSize,
            // resolv.conf order, as glibc without 'rotate'.
            UseRandomNameServer = false,
            // SERVFAIL or REFUSED from one server: ask the next one.
            ContinueOnDnsError = true,
            // NODATA is an answer (a Service without ready pods), not a reason to ask another server.
            ContinueOnEmptyResponse = false,
            EnableAuditTrail = false,
        };
        _client = new LookupClient(options);
    }

    public async Task<DnsQueryResult> QueryAsync(string name, DnsQueryType type, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        IDnsQueryResponse response;
        try
        {
            response = await _client.QueryAsync(name, ToQueryType(type), QueryClass.IN, cancellationToken);
        }
        catch (Exception ex) when (cancellationToken.IsCancellationRequested)
        {
            throw new OperationCanceledException("DNS query cancelled.", ex, cancellationToken);
        }
        catch (Exception ex)
        {
            var error = DescribeFailure(ex);
            Log.QueryFailed(_logger, name, type, error, ex);
            return DnsQueryResult.Failed(error);
        }

        var result = ToResult(response, type);
        Log.QueryAnswered(_logger, name, type, result.Status, response.MessageSize, response.NameServer?.ToString());
        return result;
    }

    internal static DnsQueryResult ToResult(IDnsQueryResponse response, DnsQueryType type)
    {
        var code = (DnsResponseCode)response.Header.ResponseCode;
        switch (code)
        {
            case DnsResponseCode.NoError:
                break;
            case DnsResponseCode.NotExistentDomain:
                return DnsQueryResult.NxDomain(NegativeTtl(response));
            case DnsResponseCode.Refused or DnsResponseCode.NotImplemented:
                return DnsQueryResult.Refused(DescribeResponseCode(code));
            default:
                return DnsQueryResult.Failed(DescribeResponseCode(code));
        }

        switch (type)
        {
            case DnsQueryType.Srv:
                var srv = response.Answers.SrvRecords()
                    .Select(r => new DnsSrvRecord(r.DomainName.Value, r.Priority, r.Weight, r.Port, r.Target.Value, Ttl(r)))
                    .ToList();
                return srv.Count == 0
                    ? DnsQueryResult.NoData(NegativeTtl(response))
                    : DnsQueryResult.Success(srv: srv, additionalAddresses: AddressRecords(response.Additionals));
            case DnsQueryType.A:
            case DnsQueryType.Aaaa:
                var wanted = type == DnsQueryType.A ? ResourceRecordType.A : ResourceRecordType.AAAA;
                var addresses = AddressRecords(response.Answers.Where(r => r.RecordType == wanted));
                return addresses.Count == 0 ? DnsQueryResult.NoData(NegativeTtl(response)) : DnsQueryResult.Success(addresses: addresses);
            case DnsQueryType.Ptr:
                var ptr = response.Answers.PtrRecords()
                    .Select(r => new DnsPtrRecord(r.DomainName.Value, r.PtrDomainName.Value, Ttl(r)))
                    .ToList();
                return ptr.Count == 0 ? DnsQueryResult.NoData(NegativeTtl(response)) : DnsQueryResult.Success(ptr: ptr);
            default:
                throw new ArgumentOutOfRangeException(nameof(type), type, null);
        }
    }

    private static List<DnsAddressRecord> AddressRecords(IEnumerable<DnsResourceRecord> records) =>
        [.. records.OfType<AddressRecord>().Select(r => new DnsAddressRecord(r.DomainName.Value, r.Address, Ttl(r)))];

    private static TimeSpan Ttl(DnsResourceRecord record) => TimeSpan.FromSeconds(Math.Max(0, record.InitialTimeToLive));

    private static TimeSpan? NegativeTtl(IDnsQueryResponse response)
    {
        var soa = response.Authorities.SoaRecords().FirstOrDefault();
        return soa is null ? null : TimeSpan.FromSeconds(Math.Min((uint)Math.Max(0, soa.InitialTimeToLive), soa.Minimum));
    }

    private static QueryType ToQueryType(DnsQueryType type) => type switch
    {
        DnsQueryType.A => QueryType.A,
        DnsQueryType.Aaaa => QueryType.AAAA,
        DnsQueryType.Srv => QueryType.SRV,
        DnsQueryType.Ptr => QueryType.PTR,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };

    internal static string DescribeResponseCode(DnsResponseCode code) => code switch
    {
        DnsResponseCode.ServerFailure => "SERVFAIL",
        DnsResponseCode.Refused => "REFUSED",
        DnsResponseCode.FormatError => "FORMERR",
        DnsResponseCode.NotImplemented => "NOTIMP",
        DnsResponseCode.NotAuthorized => "NOTAUTH",
        DnsResponseCode.ConnectionTimeout => "timeout",
        _ => $"rcode {(int)code}",
    };

    internal static string DescribeFailure(Exception exception)
    {
        for (var inner = exception; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException socket)
            {
                return socket.SocketErrorCode is SocketError.TimedOut ? "timeout" : $"unreachable ({socket.SocketErrorCode})";
            }
        }
        return exception switch
        {
            DnsResponseException { Code: DnsResponseCode.ConnectionTimeout } or TimeoutException or OperationCanceledException => "timeout",
            DnsResponseException { Code: not DnsResponseCode.Unassigned } dns => DescribeResponseCode(dns.Code),
            _ => $"error ({exception.Message})",
        };
    }
}
