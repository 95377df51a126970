namespace HeadlessSidecar.Health.Probes;

/// <summary>One RESP reply: <see cref="Text"/> for strings and errors, <see cref="Integer"/>, or <see cref="Items"/>.</summary>
internal sealed record RespValue(RespKind Kind, string? Text = null, long Integer = 0, IReadOnlyList<RespValue>? Items = null)
{
    public static readonly RespValue NullValue = new(RespKind.Null);

    public bool IsError => Kind == RespKind.Error;

    public override string ToString() => Kind switch
    {
        RespKind.SimpleString or RespKind.BulkString => Text ?? string.Empty,
        RespKind.Error => "-" + Text,
        RespKind.Integer => Integer.ToString(System.Globalization.CultureInfo.InvariantCulture),
        RespKind.Null => "(nil)",
        _ => $"array of {Items?.Count ?? 0}",
    };
}
