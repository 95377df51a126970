namespace HeadlessSidecar.Reload;

/// <summary>What a changed service's new settings renew; anything not named here is kept.</summary>
[Flags]
internal enum ServiceEffects
{
    None = 0,
    /// <summary>Read by new requests and connections (Retry, Timeouts, Health, Role, Tcp, ...): nothing reconnects.</summary>
    InPlace = 1,
    /// <summary><c>LoadBalancing</c> or <c>HashHeader</c>: a new policy object, still no new connection.</summary>
    NewPolicy = 2,
    /// <summary><c>Pool</c>, <c>UpstreamHttpVersion</c>, <c>Tls</c>: pooled connections made under the old settings are retired.</summary>
    NewPools = 4,
    /// <summary><c>Host</c>, <c>PortName</c>, <c>Port</c> (or <c>Dns</c>): a new discovery; pods found at the same address keep their state.</summary>
    NewDiscovery = 8,
    /// <summary><c>Listen</c>: the service moves to another listener.</summary>
    Rebind = 16,
    /// <summary><c>OrdinalPortBase</c>: the ordinal ports follow.</summary>
    OrdinalPorts = 32,
}
