using System.Text.Json.Nodes;

namespace HeadlessSidecar.Injection;

/// <summary>
/// The one injection engine behind <c>inject</c>, <c>uninject</c> and the webhook. It reads a pod template
/// (<c>{metadata, spec}</c>: a Pod, or a workload's <c>spec.template</c>) as JSON and answers with JSON Patch
/// operations relative to it; the callers apply them to YAML or send them to the API server. Re-injection is
/// uninject then inject, and a result equal to the input is no change at all.
/// </summary>
internal sealed class InjectionEngine(InjectorDefaults defaults, string version)
{
    private static readonly string[] Metadata = ["metadata"];
    private static readonly string[] Annotations = ["metadata", "annotations"];

    public InjectorDefaults Defaults { get; } = defaults;

    public string Version { get; } = version;

    public TemplateResult Inject(JsonObject template, PodTemplateContext context)
    {
        var metadata = template["metadata"] as JsonObject;
        var annotations = metadata?["annotations"] as JsonObject;
        if (IsDisabled(metadata?["labels"] as JsonObject) || IsDisabled(annotations))
        {
            return TemplateResult.Of(TemplateOutcome.OptedOut);
        }
        if (template["spec"] is not JsonObject spec || spec["containers"] is not JsonArray { Count: > 0 })
        {
            return TemplateResult.Of(TemplateOutcome.Skipped, "no containers in the pod template: left uninjected");
        }
        if (spec["hostNetwork"] is JsonValue hostNetwork && hostNetwork.TryGetValue<bool>(out var onHost) && onHost)
        {
            return TemplateResult.Of(TemplateOutcome.Skipped, "hostNetwork pods are left uninjected (the sidecar's ports would be the node's)");
        }
        var settings = SidecarSettingsReader.Read(annotations, Defaults, Version, out var problem);
        if (problem is not null)
        {
            return TemplateResult.Of(TemplateOutcome.Invalid, problem);
        }
        if (settings.Mode == InjectionMode.Classic && (context.RunsToCompletion || Text(spec["restartPolicy"]) is "Never" or "OnFailure"))
        {
            return TemplateResult.Of(TemplateOutcome.Skipped, "a pod that runs to completion is left uninjected in classic mode (its sidecar would never exit); use native mode");
        }

        var builder = new PatchBuilder((JsonObject)template.DeepClone());
        if (ReadStatus(annotations, out problem) is { } status)
        {
            Remove(builder, status);
        }
        else if (problem is not null)
        {
            return TemplateResult.Of(TemplateOutcome.Invalid, problem);
        }
        problem = Add(builder, settings);
        if (problem is not null)
        {
            return TemplateResult.Of(TemplateOutcome.Invalid, problem);
        }
        return JsonNode.DeepEquals(builder.Working, template)
            ? TemplateResult.Of(TemplateOutcome.Unchanged)
            : new TemplateResult(TemplateOutcome.Changed, builder.Operations);
    }

    public static TemplateResult Uninject(JsonObject template)
    {
        var annotations = (template["metadata"] as JsonObject)?["annotations"] as JsonObject;
        if (ReadStatus(annotations, out var problem) is not { } status)
        {
            return problem is null ? TemplateResult.Of(TemplateOutcome.Unchanged) : TemplateResult.Of(TemplateOutcome.Invalid, problem);
        }
        var builder = new PatchBuilder((JsonObject)template.DeepClone());
        Remove(builder, status);
        return new TemplateResult(TemplateOutcome.Changed, builder.Operations);
    }

    private string? Add(PatchBuilder builder, SidecarSettings settings)
    {
        var template = builder.Working;
        var spec = (JsonObject)template["spec"]!;
        var containers = (JsonArray)spec["containers"]!;
        var allContainers = containers.Concat(spec["initContainers"] as JsonArray ?? []).Concat(spec["ephemeralContainers"] as JsonArray ?? []).OfType<JsonObject>().ToList();
        if (allContainers.Any(c => Text(c["name"]) == SidecarTemplate.ContainerName))
        {
            return $"the pod already has a container named {SidecarTemplate.ContainerName} that inject did not add";
        }
        foreach (var port in allContainers.SelectMany(c => c["ports"] as JsonArray ?? []).OfType<JsonObject>())
        {
            if (Text(port["name"]) == SidecarTemplate.AdminPortName || port["containerPort"] is JsonValue number && number.TryGetValue<int>(out var p) && p == SidecarTemplate.AdminPort)
            {
                return $"a container already declares port {SidecarTemplate.AdminPortName} or {SidecarTemplate.AdminPort}, which the sidecar's admin listener needs";
            }
        }
        var volumes = SidecarTemplate.Volumes(settings);
        var existingVolumes = (spec["volumes"] as JsonArray ?? []).OfType<JsonObject>().Select(v => Text(v["name"])).ToHashSet();
        if (volumes.Select(v => Text(v["name"])).FirstOrDefault(existingVolumes.Contains) is { } taken)
        {
            return $"the pod already has a volume named {taken}";
        }
        if (Text((containers[0] as JsonObject)?["name"]) is not { Length: > 0 } firstApp)
        {
            return "the first container has no name";
        }

        var created = new List<string>();
        var wasNull = new List<string>();
        Track(template, "metadata", "metadata", created, wasNull);
        Track(template["metadata"] as JsonObject, "annotations", "metadata.annotations", created, wasNull);
        var listName = settings.Mode == InjectionMode.Native ? "initContainers" : "containers";
        if (settings.Mode == InjectionMode.Native)
        {
            Track(spec, "initContainers", "spec.initContainers", created, wasNull);
        }
        Track(spec, "volumes", "spec.volumes", created, wasNull);
        var annotations = (template["metadata"] as JsonObject)?["annotations"] as JsonObject;
        var setDefault = annotations?[InjectionAnnotations.DefaultContainer] is null;
        var status = new InjectionStatus(Version, settings.Mode, SidecarTemplate.ContainerName, [.. volumes.Select(v => Text(v["name"])!)],
            created, wasNull, setDefault ? firstApp : null);

        if (template["metadata"] is not JsonObject)
        {
            builder.Add(new JsonObject(), Metadata);
        }
        if (annotations is null)
        {
            builder.Add(new JsonObject(), Annotations);
        }
        if (setDefault)
        {
            builder.Add(firstApp, "metadata", "annotations", InjectionAnnotations.DefaultContainer);
        }
        builder.Add(status.ToJson(), "metadata", "annotations", InjectionAnnotations.Status);
        var container = SidecarTemplate.Container(settings);
        if (spec[listName] is JsonArray)
        {
            builder.Add(container, "spec", listName, "0");
        }
        else
        {
            builder.Add(new JsonArray(container), "spec", listName);
        }
        if (spec["volumes"] is JsonArray)
        {
            foreach (var volume in volumes)
            {
                builder.Add(volume, "spec", "volumes", "-");
            }
        }
        else
        {
            builder.Add(new JsonArray([.. volumes]), "spec", "volumes");
        }
        return null;
    }

    /// <summary>Removes what <paramref name="status"/> says an injection added; what is no longer there is skipped.</summary>
    private static void Remove(PatchBuilder builder, InjectionStatus status)
    {
        var template = builder.Working;
        var listName = status.Mode == InjectionMode.Native ? "initContainers" : "containers";
        if (template["spec"] is JsonObject spec)
        {
            RemoveNamed(builder, spec[listName] as JsonArray, status.Container, "spec", listName);
            foreach (var volume in status.Volumes)
            {
                RemoveNamed(builder, spec["volumes"] as JsonArray, volume, "spec", "volumes");
            }
            Restore(builder, spec, "initContainers", "spec.initContainers", status);
            Restore(builder, spec, "volumes", "spec.volumes", status);
        }
        if (template["metadata"] is JsonObject metadata)
        {
            if (metadata["annotations"] is JsonObject annotations)
            {
                if (annotations.ContainsKey(InjectionAnnotations.Status))
                {
                    builder.Remove("metadata", "annotations", InjectionAnnotations.Status);
                }
                if (status.DefaultContainer is not null && Text(annotations[InjectionAnnotations.DefaultContainer]) == status.DefaultContainer)
                {
                    builder.Remove("metadata", "annotations", InjectionAnnotations.DefaultContainer);
                }
            }
            Restore(builder, metadata, "annotations", "metadata.annotations", status);
        }
        Restore(builder, template, "metadata", "metadata", status);
    }

    private static void RemoveNamed(PatchBuilder builder, JsonArray? list, string name, params string[] path)
    {
        var index = list?.ToList().FindIndex(item => Text((item as JsonObject)?["name"]) == name) ?? -1;
        if (index >= 0)
        {
            builder.Remove([.. path, index.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
    }

    /// <summary>A field inject created (or filled in place of null) goes back to absent (or null) once empty again.</summary>
    private static void Restore(PatchBuilder builder, JsonObject parent, string field, string statusName, InjectionStatus status)
    {
        var empty = parent[field] switch
        {
            JsonObject obj => obj.Count == 0,
            JsonArray array => array.Count == 0,
            _ => false,
        };
        if (!empty)
        {
            return;
        }
        var path = PathOf(statusName);
        if (status.Created.Contains(statusName))
        {
            builder.Remove(path);
        }
        else if (status.WasNull.Contains(statusName))
        {
            builder.Add(null, path);
        }
    }

    private static void Track(JsonObject? parent, string field, string statusName, List<string> created, List<string> wasNull)
    {
        if (parent is null || !parent.TryGetPropertyValue(field, out var value))
        {
            created.Add(statusName);
        }
        else if (value is null)
        {
            wasNull.Add(statusName);
        }
    }

    private static string[] PathOf(string statusName) => statusName.Split('.');

    private static InjectionStatus? ReadStatus(JsonObject? annotations, out string? problem)
    {
        problem = null;
        var text = SidecarSettingsReader.Annotation(annotations, InjectionAnnotations.Status, ref problem);
        if (text is null)
        {
            return null;
        }
        var status = InjectionStatus.TryParse(text);
        if (status is null)
        {
            problem = $"annotation {InjectionAnnotations.Status} is not what inject writes; remove it or restore it";
        }
        return status;
    }

    private static bool IsDisabled(JsonObject? map) => Text(map?[InjectionAnnotations.Inject]) == InjectionAnnotations.Disabled;

    private static string? Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
