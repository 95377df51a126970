namespace HeadlessSidecar.Discovery;

/// <summary>An SRV record; <see cref="Target"/> is absolute (ends with a dot).</summary>
internal sealed record DnsSrvRecord(string Name, int Priority, int Weight, int Port, string Target, TimeSpan Ttl);
