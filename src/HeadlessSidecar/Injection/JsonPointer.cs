using System.Text;

namespace HeadlessSidecar.Injection;

/// <summary>RFC 6901 pointers: <c>~</c> is written <c>~0</c> and <c>/</c> is written <c>~1</c> inside a segment
/// (<c>/metadata/annotations/headless-sidecar.io~1status</c>).</summary>
internal static class JsonPointer
{
    public static string Format(IEnumerable<string> segments)
    {
        var pointer = new StringBuilder();
        foreach (var segment in segments)
        {
            pointer.Append('/').Append(segment.Replace("~", "~0", StringComparison.Ordinal).Replace("/", "~1", StringComparison.Ordinal));
        }
        return pointer.ToString();
    }
}
