using System.Text;
using System.Text.Json;

namespace HeadlessSidecar.Configuration;

/// <summary>
/// Checks a configuration file's JSON before the configuration builder reads it: the builder's own error says only
/// <c>Error_JSONParseError</c> in our trimmed build (resource messages are stripped), while the reader's exception
/// still knows the line and byte. Same leniency as the builder: comments and trailing commas are accepted.
/// </summary>
internal static class JsonFileSyntax
{
    private static readonly JsonReaderOptions Options = new()
    {
        CommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>Null when <paramref name="json"/> is one JSON object; else where and why it is not.</summary>
    public static string? Check(ReadOnlySpan<byte> json)
    {
        if (json.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            json = json[3..];
        }
        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            return "the file is empty (a JSON object is expected)";
        }
        var reader = new Utf8JsonReader(json, Options);
        try
        {
            reader.Read();
            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return $"line 1: the top level must be a JSON object, not {Describe(reader.TokenType)}";
            }
            reader.Skip();
            // Anything after the object makes the reader throw.
            reader.Read();
            return null;
        }
        catch (JsonException ex)
        {
            var line = (ex.LineNumber ?? 0) + 1;
            var text = LineText(json, (int)line);
            return $"line {line}, byte {(ex.BytePositionInLine ?? 0) + 1}: {(text.Length == 0 ? "unexpected end of the file" : $"near '{text}'")}";
        }
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    /// <summary>The text of a line (1-based), trimmed and shortened, for the message.</summary>
    private static string LineText(ReadOnlySpan<byte> json, int line)
    {
        for (var i = 1; i < line; i++)
        {
            var next = json.IndexOf((byte)'\n');
            if (next < 0)
            {
                return "";
            }
            json = json[(next + 1)..];
        }
        var end = json.IndexOf((byte)'\n');
        var text = Encoding.UTF8.GetString(end < 0 ? json : json[..end]).Trim();
        return text.Length <= 60 ? text : text[..57] + "...";
    }
}
