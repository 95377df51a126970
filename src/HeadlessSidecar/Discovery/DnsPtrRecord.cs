namespace HeadlessSidecar.Discovery;

/// <summary>A PTR record; <see cref="Target"/> is absolute (ends with a dot).</summary>
internal sealed record DnsPtrRecord(string Name, string Target, TimeSpan Ttl);
