namespace HeadlessSidecar.Demo;

/// <summary>The parsed header, question and EDNS data of one query. The name itself lives in the caller's buffer.</summary>
internal readonly record struct DemoDnsQuery
{
    public ushort Id { get; init; }

    public int Opcode { get; init; }

    public bool RecursionDesired { get; init; }

    public bool CheckingDisabled { get; init; }

    /// <summary>Length of the uncompressed wire name, root octet included.</summary>
    public int NameLength { get; init; }

    public DemoDnsType Type { get; init; }

    public ushort Class { get; init; }

    public bool HasEdns { get; init; }

    /// <summary>The requestor's UDP payload size from the OPT record's class field.</summary>
    public ushort UdpPayloadSize { get; init; }

    public byte EdnsVersion { get; init; }

    /// <summary>The OPT DO bit, which RFC 3225 §3 says a response copies.</summary>
    public bool DnssecOk { get; init; }
}
