using System.Globalization;

namespace HeadlessSidecar.Configuration;

/// <summary>Parses durations as .NET <see cref="TimeSpan"/> strings (<c>00:00:05</c>) or as a number with a unit
/// (<c>250ms</c>, <c>5s</c>, <c>2m</c>, <c>1h</c>), as Envoy and HAProxy users write them.</summary>
public static class DurationParser
{
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }
        var s = text.AsSpan().Trim();
        if (s.Contains(':') || s.Contains('.') && !EndsWithUnit(s))
        {
            return TimeSpan.TryParse(s, CultureInfo.InvariantCulture, out value) && value >= TimeSpan.Zero;
        }
        var unitStart = s.Length;
        while (unitStart > 0 && char.IsAsciiLetter(s[unitStart - 1]))
        {
            unitStart--;
        }
        var unit = s[unitStart..];
        if (!double.TryParse(s[..unitStart], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var number))
        {
            return false;
        }
        double? ms = unit switch
        {
            "ms" => number,
            "s" => number * 1_000,
            "m" => number * 60_000,
            "h" => number * 3_600_000,
            "d" => number * 86_400_000,
            _ => null,
        };
        if (ms is not double milliseconds || double.IsInfinity(milliseconds) || milliseconds > TimeSpan.MaxValue.TotalMilliseconds)
        {
            return false;
        }
        value = TimeSpan.FromMilliseconds(milliseconds);
        return true;
    }

    private static bool EndsWithUnit(ReadOnlySpan<char> s) => s.Length > 0 && char.IsAsciiLetter(s[^1]);
}
