using System.Text.Json.Nodes;

namespace HeadlessSidecar.Tests.Injection;

/// <summary>inject over every golden input: the exact output, idempotence, and uninject as its inverse in meaning.</summary>
public sealed class GoldenTests
{
    public static TheoryData<string> Cases => InjectionTestData.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Inject_GoldenInput_WritesGoldenOutput(string name)
    {
        var input = InjectionTestData.Input(name);
        var output = InjectionTestData.InjectOk(input, InjectionTestData.Defaults(input));
        if (InjectionTestData.Updating)
        {
            InjectionTestData.WriteGolden(name, output);
            return;
        }
        Assert.Equal(InjectionTestData.Golden(name), output);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Inject_AlreadyInjectedWithSameOptions_ChangesNothing(string name)
    {
        var input = InjectionTestData.Input(name);
        var defaults = InjectionTestData.Defaults(input);
        var once = InjectionTestData.InjectOk(input, defaults);
        var twice = InjectionTestData.InjectOk(once, defaults);
        Assert.Equal(once, twice);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Uninject_OfInjected_MeansTheInputWithoutAnyInjection(string name)
    {
        var input = InjectionTestData.Input(name);
        var injected = InjectionTestData.InjectOk(input, InjectionTestData.Defaults(input));
        var roundTrip = InjectionTestData.Meaning(InjectionTestData.UninjectOk(injected));
        // For inputs that carry no injection, uninject(x) is x itself (asserted below), so this is uninject(inject(x)) == x.
        var bare = InjectionTestData.Meaning(InjectionTestData.UninjectOk(input));
        InjectionTestData.AssertSameMeaning(bare, roundTrip);
        if (!input.Contains("headless-sidecar.io/status", StringComparison.Ordinal))
        {
            InjectionTestData.AssertSameMeaning(InjectionTestData.Meaning(input), bare);
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Inject_Output_ChangesOnlyPodTemplates(string name)
    {
        var input = InjectionTestData.Input(name);
        var before = InjectionTestData.Meaning(input);
        var after = InjectionTestData.Meaning(InjectionTestData.InjectOk(input, InjectionTestData.Defaults(input)));
        Assert.Equal(before.Count, after.Count);
        for (var i = 0; i < before.Count; i++)
        {
            // Everything outside the pod templates is the same, whatever the kind.
            InjectionTestData.AssertSameMeaning(WithoutTemplates(before[i]), WithoutTemplates(after[i]));
        }
    }

    private static JsonNode? WithoutTemplates(JsonNode? document)
    {
        var copy = document?.DeepClone();
        if (copy is not JsonObject obj)
        {
            return copy;
        }
        foreach (var item in obj["items"] as JsonArray ?? (IEnumerable<JsonNode?>)[obj])
        {
            if (item is not JsonObject o)
            {
                continue;
            }
            var kind = o["kind"]?.GetValue<string>();
            var spec = o["spec"] as JsonObject;
            switch (kind)
            {
                case "Pod":
                    (o["metadata"] as JsonObject)?.Remove("annotations");
                    o.Remove("spec");
                    break;
                case "CronJob":
                    ((spec?["jobTemplate"] as JsonObject)?["spec"] as JsonObject)?.Remove("template");
                    break;
                default:
                    if (o["apiVersion"]?.GetValue<string>() is { } v && (v.StartsWith("apps/", StringComparison.Ordinal) || v.StartsWith("batch/", StringComparison.Ordinal)))
                    {
                        spec?.Remove("template");
                    }
                    break;
            }
        }
        return copy;
    }
}
