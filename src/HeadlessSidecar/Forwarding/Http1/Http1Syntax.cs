using System.Buffers;
using System.Text;

namespace HeadlessSidecar.Forwarding.Http1;

/// <summary>RFC 9110/9112 character classes shared by the parser and the request writer.</summary>
internal static class Http1Syntax
{
    private const string TokenAlphabet = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>tchar: a header name or a transfer coding, in a pod's answer.</summary>
    public static readonly SearchValues<byte> TokenChars = SearchValues.Create(Encoding.ASCII.GetBytes(TokenAlphabet));

    /// <summary>tchar, for the app's request as Kestrel hands it over (strings).</summary>
    public static readonly SearchValues<char> TokenCharsUtf16 = SearchValues.Create(TokenAlphabet);

    /// <summary>
    /// Field value bytes we pass on: HTAB and visible ASCII. obs-text (0x80-0xFF) is refused too, since Kestrel
    /// would refuse to send it to the app anyway.
    /// </summary>
    public static readonly SearchValues<byte> FieldValueChars = SearchValues.Create(BuildFieldValueChars());

    /// <summary>Reason phrase bytes: HTAB, SP, VCHAR, obs-text.</summary>
    public static readonly SearchValues<byte> ReasonChars = SearchValues.Create(BuildReasonChars());

    public static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t';

    public static ReadOnlySpan<byte> TrimWhitespace(ReadOnlySpan<byte> value)
    {
        var start = 0;
        while (start < value.Length && IsWhitespace(value[start]))
        {
            start++;
        }
        var end = value.Length;
        while (end > start && IsWhitespace(value[end - 1]))
        {
            end--;
        }
        return value[start..end];
    }

    /// <summary>True when a comma-separated list contains <paramref name="token"/> (case-insensitive).</summary>
    public static bool ListContains(ReadOnlySpan<char> list, ReadOnlySpan<char> token)
    {
        foreach (var range in list.Split(','))
        {
            if (list[range].Trim(" \t").Equals(token, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }
        return false;
    }

    public static string Latin1(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    private static byte[] BuildFieldValueChars()
    {
        var chars = new List<byte> { (byte)'\t' };
        for (var b = 0x20; b < 0x7F; b++)
        {
            chars.Add((byte)b);
        }
        return [.. chars];
    }

    private static byte[] BuildReasonChars()
    {
        var chars = new List<byte> { (byte)'\t' };
        for (var b = 0x20; b <= 0xFF; b++)
        {
            if (b != 0x7F)
            {
                chars.Add((byte)b);
            }
        }
        return [.. chars];
    }
}
