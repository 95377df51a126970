using System.Numerics;

namespace HeadlessSidecar.Injection.Yaml;

/// <summary>Go's <c>strconv.ParseInt(s, 0, 64)</c> then <c>ParseUint(s, 0, 64)</c>, as go-yaml v2 reads integers:
/// optional sign, then <c>0x</c>, <c>0o</c>, <c>0b</c> or a leading <c>0</c> (octal) for the base.</summary>
internal static class GoInteger
{
    public static bool TryParse(string text, out BigInteger value)
    {
        value = default;
        var s = text.AsSpan();
        var negative = false;
        var signed = false;
        if (s.Length > 0 && (s[0] == '+' || s[0] == '-'))
        {
            negative = s[0] == '-';
            signed = true;
            s = s[1..];
        }
        var radix = 10;
        if (s.Length >= 2 && s[0] == '0')
        {
            switch (s[1])
            {
                case 'x' or 'X':
                    radix = 16;
                    s = s[2..];
                    break;
                case 'o' or 'O':
                    radix = 8;
                    s = s[2..];
                    break;
                case 'b' or 'B':
                    radix = 2;
                    s = s[2..];
                    break;
                default:
                    radix = 8;
                    s = s[1..];
                    break;
            }
        }
        if (s.Length == 0)
        {
            return false;
        }
        BigInteger result = BigInteger.Zero;
        foreach (var c in s)
        {
            var digit = c switch
            {
                >= '0' and <= '9' => c - '0',
                >= 'a' and <= 'f' => c - 'a' + 10,
                >= 'A' and <= 'F' => c - 'A' + 10,
                _ => 99,
            };
            if (digit >= radix)
            {
                return false;
            }
            result = result * radix + digit;
        }
        if (negative)
        {
            result = -result;
        }
        // ParseInt takes [-2^63, 2^63); ParseUint (no sign) takes up to 2^64-1.
        if (result >= long.MinValue && result <= long.MaxValue || !signed && result >= 0 && result <= ulong.MaxValue)
        {
            value = result;
            return true;
        }
        return false;
    }
}
