namespace HeadlessSidecar.Discovery;

/// <summary>One query as sent: its transaction ID, its name in wire form and its type (class IN).</summary>
internal sealed class DnsQuestion
{
    private DnsQuestion(ushort id, byte[] wireName, string name, DnsQueryType type)
    {
        Id = id;
        WireName = wireName;
        Name = name;
        Type = type;
    }

    public ushort Id { get; }

    /// <summary>Uncompressed, root octet included.</summary>
    public byte[] WireName { get; }

    /// <summary>Absolute and lower-case.</summary>
    public string Name { get; }

    public DnsQueryType Type { get; }

    public ushort TypeCode => TypeCodeOf(Type);

    /// <summary>A question with a random ID (<see cref="DnsTransactionIds"/>), or null when
    /// <paramref name="name"/> is not a name we can ask for.</summary>
    public static DnsQuestion? Create(string name, DnsQueryType type, ushort? id = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        Span<byte> wire = stackalloc byte[DnsWireName.MaxLength];
        if (!DnsWireName.TryWrite(name, wire, out var length))
        {
            return null;
        }
        var bytes = wire[..length].ToArray();
        return new DnsQuestion(id ?? DnsTransactionIds.Next(), bytes, DnsWireName.ToHostName(bytes)!, type);
    }

    /// <summary>A new transaction ID for the same question (one per attempt, so a late answer to an earlier attempt
    /// cannot be taken for this one's).</summary>
    public DnsQuestion WithNewId() => new(DnsTransactionIds.Next(), WireName, Name, Type);

    public static ushort TypeCodeOf(DnsQueryType type) => type switch
    {
        DnsQueryType.A => 1,
        DnsQueryType.Aaaa => 28,
        DnsQueryType.Srv => 33,
        DnsQueryType.Ptr => 12,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, null),
    };
}
