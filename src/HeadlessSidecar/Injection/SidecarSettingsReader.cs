using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Injection;

/// <summary>
/// Reads <see cref="SidecarSettings"/> from a template's annotations and the flags, refusing values the API server or
/// the sidecar would refuse later (a bad quantity would make the webhook's patch fail the pod's creation instead of
/// failing open). An empty annotation counts as absent.
/// </summary>
internal static partial class SidecarSettingsReader
{
    public const string DefaultCpuRequest = "50m";
    public const string DefaultMemoryRequest = "32Mi";
    public const string DefaultMemoryLimit = "128Mi";
    public const string DefaultDrainDelay = "10s";

    public static SidecarSettings Read(JsonObject? annotations, InjectorDefaults defaults, string version, out string? problem)
    {
        problem = null;
        var mode = defaults.Mode;
        var modeText = Annotation(annotations, InjectionAnnotations.Mode, ref problem);
        if (modeText is not null && !InjectorFlags.TryParseMode(modeText, out mode))
        {
            problem ??= $"annotation {InjectionAnnotations.Mode}: '{modeText}' is not 'native' or 'classic'";
        }
        var image = Annotation(annotations, InjectionAnnotations.Image, ref problem) ?? defaults.Image ?? $"headless-sidecar:{version}";
        if (image.Any(char.IsWhiteSpace))
        {
            problem ??= $"annotation {InjectionAnnotations.Image}: '{image}' is not an image reference";
        }
        var configMap = Name(annotations, InjectionAnnotations.ConfigMap, ref problem) ?? defaults.ConfigMap;
        var settings = new SidecarSettings(
            mode,
            image,
            configMap,
            Quantity(annotations, InjectionAnnotations.CpuRequest, ref problem) ?? DefaultCpuRequest,
            Quantity(annotations, InjectionAnnotations.MemoryRequest, ref problem) ?? DefaultMemoryRequest,
            Quantity(annotations, InjectionAnnotations.MemoryLimit, ref problem) ?? DefaultMemoryLimit,
            Name(annotations, InjectionAnnotations.CredentialsSecret, ref problem),
            Name(annotations, InjectionAnnotations.TlsSecret, ref problem),
            Annotation(annotations, InjectionAnnotations.DrainDelay, ref problem) ?? DefaultDrainDelay);
        if (!DurationParser.TryParse(settings.DrainDelay, out _))
        {
            problem ??= $"annotation {InjectionAnnotations.DrainDelay}: '{settings.DrainDelay}' is not a duration (10s, 00:00:10)";
        }
        return settings;
    }

    /// <summary>A string annotation, null when absent or empty.</summary>
    public static string? Annotation(JsonObject? annotations, string name, ref string? problem)
    {
        var node = annotations?[name];
        if (node is null)
        {
            return null;
        }
        if (node is not JsonValue value || !value.TryGetValue<string>(out var text))
        {
            problem ??= $"annotation {name}: the value is not a string";
            return null;
        }
        return text.Length == 0 ? null : text;
    }

    private static string? Name(JsonObject? annotations, string name, ref string? problem)
    {
        var text = Annotation(annotations, name, ref problem);
        if (text is not null && (text.Length > 253 || !Subdomain().IsMatch(text)))
        {
            problem ??= $"annotation {name}: '{text}' is not a valid object name";
        }
        return text;
    }

    private static string? Quantity(JsonObject? annotations, string name, ref string? problem)
    {
        var text = Annotation(annotations, name, ref problem);
        if (text is not null && !KubernetesQuantity().IsMatch(text))
        {
            problem ??= $"annotation {name}: '{text}' is not a Kubernetes quantity (50m, 32Mi, 0.5)";
        }
        return text;
    }

    [GeneratedRegex(@"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$", RegexOptions.CultureInvariant)]
    private static partial Regex Subdomain();

    // resource.Quantity: a non-negative decimal, then a binary (Ki…Ei), decimal (n, u, m, k, M…E) or exponent suffix.
    [GeneratedRegex(@"^\+?([0-9]+(\.[0-9]*)?|\.[0-9]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][-+]?[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex KubernetesQuantity();
}
