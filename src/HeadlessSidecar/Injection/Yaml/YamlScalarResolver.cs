using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;

namespace HeadlessSidecar.Injection.Yaml;

/// <summary>
/// What a scalar means to kubectl: sigs.k8s.io/yaml reads YAML with go-yaml v2, which resolves plain scalars by YAML
/// 1.1 rules (<c>0644</c> is the integer 420, <c>on</c>/<c>yes</c>/<c>y</c> are true, <c>1_000</c> is 1000, timestamps stay
/// strings), and quoted or <c>!</c>-tagged scalars are strings.
/// </summary>
internal static partial class YamlScalarResolver
{
    public const string StrTag = "tag:yaml.org,2002:str";
    public const string IntTag = "tag:yaml.org,2002:int";
    public const string FloatTag = "tag:yaml.org,2002:float";
    public const string BoolTag = "tag:yaml.org,2002:bool";
    public const string NullTag = "tag:yaml.org,2002:null";
    public const string TimestampTag = "tag:yaml.org,2002:timestamp";
    public const string BinaryTag = "tag:yaml.org,2002:binary";
    public const string MergeTag = "tag:yaml.org,2002:merge";

    private static readonly Dictionary<string, JsonNode?> Keywords = BuildKeywords();

    /// <summary>The JSON value kubectl sends for <paramref name="scalar"/>; throws <see cref="ManifestException"/> where
    /// kubectl fails too (an explicit tag the text does not fit, NaN or infinity, bad base64).</summary>
    public static JsonNode? Resolve(ManifestScalar scalar)
    {
        var tag = scalar.Tag;
        if (tag.Length == 0 && scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(scalar.Value);
        }
        if (tag == BinaryTag)
        {
            try
            {
                return JsonValue.Create(Encoding.UTF8.GetString(Convert.FromBase64String(scalar.Value)));
            }
            catch (FormatException)
            {
                throw Fail(scalar, $"'{scalar.Value}' is not base64 (tagged !!binary)");
            }
        }
        if (tag is not ("" or StrTag or IntTag or FloatTag or BoolTag or NullTag or TimestampTag))
        {
            // go-yaml leaves scalars with other tags (`!`, `!custom`) as strings.
            return JsonValue.Create(scalar.Value);
        }
        var (resolvedTag, value) = ResolvePlain(scalar.Value, tag);
        if (tag.Length == 0 || tag == resolvedTag || tag == StrTag)
        {
            return Checked(scalar, value);
        }
        if (tag == FloatTag && resolvedTag == IntTag)
        {
            return JsonValue.Create(double.Parse(value!.ToJsonString(), CultureInfo.InvariantCulture));
        }
        if (tag == TimestampTag && resolvedTag == StrTag)
        {
            return value;
        }
        throw Fail(scalar, $"'{scalar.Value}' cannot be read as {ShortTag(tag)}");
    }

    /// <summary>Whether a plain scalar with this text means the string itself (so the writer may leave it unquoted).</summary>
    public static bool IsPlainString(string text) => text.Length > 0 && ResolvePlain(text, "").Tag == StrTag;

    /// <summary>go-yaml v2's <c>resolve</c> for an untagged plain scalar, or one tagged <paramref name="tag"/>.</summary>
    private static (string Tag, JsonNode? Value) ResolvePlain(string text, string tag)
    {
        if (tag == StrTag)
        {
            return (StrTag, JsonValue.Create(text));
        }
        var hint = text.Length == 0 ? 'N' : Hint(text[0]);
        if (hint == '\0')
        {
            return (StrTag, JsonValue.Create(text));
        }
        if (Keywords.TryGetValue(text, out var keyword))
        {
            return keyword switch
            {
                null => (NullTag, null),
                JsonValue v when v.TryGetValue<bool>(out _) => (BoolTag, keyword.DeepClone()),
                JsonValue v when v.TryGetValue<string>(out _) => (MergeTag, keyword.DeepClone()),
                _ => (FloatTag, keyword.DeepClone()),
            };
        }
        switch (hint)
        {
            case '.':
                if (DotFloat().IsMatch(text) && TryFloat(text, out var dotted))
                {
                    return (FloatTag, JsonValue.Create(dotted));
                }
                break;
            case 'D' or 'S':
                if (LooksLikeTimestamp(text))
                {
                    // go-yaml hands timestamps to untyped targets as their text.
                    return (TimestampTag, JsonValue.Create(text));
                }
                var plain = text.Replace("_", "", StringComparison.Ordinal);
                if (GoInteger.TryParse(plain, out var integer))
                {
                    return (IntTag, JsonNode.Parse(integer.ToString(CultureInfo.InvariantCulture)));
                }
                if (YamlFloat().IsMatch(plain) && TryFloat(plain, out var number))
                {
                    return (FloatTag, JsonValue.Create(number));
                }
                break;
        }
        return (StrTag, JsonValue.Create(text));
    }

    private static JsonNode? Checked(ManifestScalar scalar, JsonNode? value)
    {
        if (value is JsonValue v && v.TryGetValue<double>(out var d) && !double.IsFinite(d))
        {
            throw Fail(scalar, $"'{scalar.Value}' is not a finite number and has no JSON form");
        }
        return value;
    }

    private static bool TryFloat(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private static char Hint(char first) => first switch
    {
        '+' or '-' => 'S',
        >= '0' and <= '9' => 'D',
        'y' or 'Y' or 'n' or 'N' or 't' or 'T' or 'f' or 'F' or 'o' or 'O' or '~' => 'M',
        '.' => '.',
        _ => '\0',
    };

    // go-yaml's quick check (four digits and a dash) followed by its date formats; any match stays a string.
    private static bool LooksLikeTimestamp(string text) => text.Length > 4 && text[4] == '-' && text.AsSpan(0, 4).IndexOfAnyExceptInRange('0', '9') < 0 && Timestamp().IsMatch(text);

    private static ManifestException Fail(ManifestScalar scalar, string message) =>
        new(message) { Line = scalar.Line, Column = scalar.Column };

    private static string ShortTag(string tag) => tag.StartsWith("tag:yaml.org,2002:", StringComparison.Ordinal) ? "!!" + tag["tag:yaml.org,2002:".Length..] : tag;

    private static Dictionary<string, JsonNode?> BuildKeywords()
    {
        var map = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var s in (string[])["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"])
        {
            map[s] = JsonValue.Create(true);
        }
        foreach (var s in (string[])["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"])
        {
            map[s] = JsonValue.Create(false);
        }
        foreach (var s in (string[])["", "~", "null", "Null", "NULL"])
        {
            map[s] = null;
        }
        foreach (var s in (string[])[".nan", ".NaN", ".NAN"])
        {
            map[s] = JsonValue.Create(double.NaN);
        }
        foreach (var s in (string[])[".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"])
        {
            map[s] = JsonValue.Create(double.PositiveInfinity);
        }
        foreach (var s in (string[])["-.inf", "-.Inf", "-.INF"])
        {
            map[s] = JsonValue.Create(double.NegativeInfinity);
        }
        map["<<"] = JsonValue.Create("<<");
        return map;
    }

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex YamlFloat();

    [GeneratedRegex(@"^\.[0-9]+([eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DotFloat();

    [GeneratedRegex(@"^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(([Tt]|[ ])[0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2}(\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})?)?$", RegexOptions.CultureInvariant)]
    private static partial Regex Timestamp();
}
