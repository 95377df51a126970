using HeadlessSidecar.Configuration;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Discovery;

/// <summary>
/// Builds the resolver for a reload's new <c>Dns</c> settings, over the same resolv.conf as at start. A querier that
/// is not ours (a test's) is kept: it has no settings to change.
/// </summary>
internal sealed class DnsResolverFactory(ResolvConf resolvConf, IDnsQuerier querier, TimeProvider time, ILoggerFactory loggerFactory)
{
    public ServiceResolver Create(DnsOptions dns)
    {
        var settings = EffectiveDnsSettings.Create(dns, resolvConf);
        var next = querier is DnsWireQuerier ? new DnsWireQuerier(settings, time, loggerFactory.CreateLogger<DnsWireQuerier>()) : querier;
        return new ServiceResolver(next, settings, loggerFactory.CreateLogger<ServiceResolver>());
    }
}
