namespace HeadlessSidecar.Discovery;

/// <summary>Counts of what was not believed while answering one query or resolving one service.</summary>
internal readonly record struct DnsRejections(int MismatchedAnswer, int MalformedName, int OutOfDomain, int RecordLimit)
{
    public static DnsRejections None => default;

    public static IReadOnlyList<DnsRejectReason> Reasons { get; } =
        [DnsRejectReason.MismatchedAnswer, DnsRejectReason.MalformedName, DnsRejectReason.OutOfDomain, DnsRejectReason.RecordLimit];

    public bool IsEmpty => this == None;

    public long Total => (long)MismatchedAnswer + MalformedName + OutOfDomain + RecordLimit;

    public int this[DnsRejectReason reason] => reason switch
    {
        DnsRejectReason.MismatchedAnswer => MismatchedAnswer,
        DnsRejectReason.MalformedName => MalformedName,
        DnsRejectReason.OutOfDomain => OutOfDomain,
        DnsRejectReason.RecordLimit => RecordLimit,
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    public static DnsRejections Of(DnsRejectReason reason, int count = 1) => None.Add(reason, count);

    public DnsRejections Add(DnsRejectReason reason, int count = 1) => reason switch
    {
        DnsRejectReason.MismatchedAnswer => this with { MismatchedAnswer = Saturate(MismatchedAnswer, count) },
        DnsRejectReason.MalformedName => this with { MalformedName = Saturate(MalformedName, count) },
        DnsRejectReason.OutOfDomain => this with { OutOfDomain = Saturate(OutOfDomain, count) },
        DnsRejectReason.RecordLimit => this with { RecordLimit = Saturate(RecordLimit, count) },
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    public static DnsRejections operator +(DnsRejections a, DnsRejections b) => new(
        Saturate(a.MismatchedAnswer, b.MismatchedAnswer), Saturate(a.MalformedName, b.MalformedName),
        Saturate(a.OutOfDomain, b.OutOfDomain), Saturate(a.RecordLimit, b.RecordLimit));

    public static string Label(DnsRejectReason reason) => reason switch
    {
        DnsRejectReason.MismatchedAnswer => "mismatched_answer",
        DnsRejectReason.MalformedName => "malformed_name",
        DnsRejectReason.OutOfDomain => "out_of_domain",
        DnsRejectReason.RecordLimit => "record_limit",
        _ => throw new ArgumentOutOfRangeException(nameof(reason), reason, null),
    };

    public override string ToString()
    {
        var self = this;
        return string.Join(", ", Reasons.Where(r => self[r] > 0).Select(r => $"{Label(r)} {self[r]}"));
    }

    // A flood of spoofed datagrams counts for as long as it lasts; it must not wrap.
    private static int Saturate(int a, int b) => (int)Math.Min(int.MaxValue, (long)a + b);
}
