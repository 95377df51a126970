using System.Text.Json;
using System.Text.Json.Nodes;

namespace HeadlessSidecar.Injection;

/// <summary>
/// The <c>headless-sidecar.io/status</c> annotation: what one injection added, so that <c>uninject</c> removes exactly
/// that and a re-injection can replace it. <see cref="Created"/> lists the fields inject created because they were
/// absent (<c>metadata</c>, <c>metadata.annotations</c>, <c>spec.initContainers</c>, <c>spec.volumes</c>),
/// <see cref="WasNull"/> those it replaced because they were <c>null</c>; <see cref="DefaultContainer"/> is the value
/// of <c>kubectl.kubernetes.io/default-container</c> when inject set it, else null.
/// </summary>
internal sealed record InjectionStatus(
    string Version,
    InjectionMode Mode,
    string Container,
    IReadOnlyList<string> Volumes,
    IReadOnlyList<string> Created,
    IReadOnlyList<string> WasNull,
    string? DefaultContainer)
{
    public string ToJson()
    {
        var status = new JsonObject
        {
            ["version"] = Version,
            ["mode"] = Mode == InjectionMode.Native ? "native" : "classic",
            ["container"] = Container,
            ["volumes"] = Array(Volumes),
            ["created"] = Array(Created),
            ["wasNull"] = Array(WasNull),
            ["defaultContainer"] = DefaultContainer,
        };
        return status.ToJsonString();
    }

    public static InjectionStatus? TryParse(string json)
    {
        try
        {
            if (JsonNode.Parse(json) is not JsonObject status
                || Text(status["version"]) is not { } version
                || Text(status["mode"]) is not { } modeText
                || !InjectorFlags.TryParseMode(modeText, out var mode)
                || Text(status["container"]) is not { Length: > 0 } container)
            {
                return null;
            }
            return new InjectionStatus(version, mode, container, Texts(status["volumes"]), Texts(status["created"]), Texts(status["wasNull"]), Text(status["defaultContainer"]));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonArray Array(IEnumerable<string> items) => new([.. items.Select(i => (JsonNode?)JsonValue.Create(i))]);

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;

    private static List<string> Texts(JsonNode? node) => node is JsonArray array ? [.. array.Select(Text).OfType<string>()] : [];
}
