using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using HeadlessSidecar.Injection;
using HeadlessSidecar.Injection.Yaml;

namespace HeadlessSidecar.Tests.Injection;

/// <summary>
/// The golden cases: <c>testdata/input/NAME.yaml</c> (its first line <c># args: ...</c> gives the flags) and the
/// expected <c>testdata/golden/NAME.yaml</c>. <c>HEADLESS_SIDECAR_UPDATE_GOLDEN=1</c> rewrites the golden files in
/// the source tree from the current output (then review the diff).
/// </summary>
internal static class InjectionTestData
{
    public const string Version = "1.2.3-test";

    public static string InputDirectory => Path.Combine(AppContext.BaseDirectory, "Injection", "testdata", "input");

    public static string GoldenDirectory => Path.Combine(AppContext.BaseDirectory, "Injection", "testdata", "golden");

    public static bool Updating => Environment.GetEnvironmentVariable("HEADLESS_SIDECAR_UPDATE_GOLDEN") == "1";

    public static TheoryData<string> Cases()
    {
        var cases = new TheoryData<string>();
        foreach (var file in Directory.GetFiles(InputDirectory, "*.yaml").Order(StringComparer.Ordinal))
        {
            cases.Add(Path.GetFileNameWithoutExtension(file));
        }
        return cases;
    }

    public static string Input(string name) => File.ReadAllText(Path.Combine(InputDirectory, name + ".yaml"));

    public static string Golden(string name) => File.ReadAllText(Path.Combine(GoldenDirectory, name + ".yaml"));

    public static void WriteGolden(string name, string text, [CallerFilePath] string source = "") =>
        File.WriteAllText(Path.Combine(Path.GetDirectoryName(source)!, "testdata", "golden", name + ".yaml"), text);

    /// <summary>The flags of a case, from its <c># args:</c> line.</summary>
    public static InjectorDefaults Defaults(string input)
    {
        var defaults = new InjectorDefaults();
        var first = input.Split('\n', 2)[0];
        if (!first.StartsWith("# args:", StringComparison.Ordinal))
        {
            return defaults;
        }
        var args = first["# args:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < args.Length; i++)
        {
            Assert.True(InjectorFlags.TryApply(args, ref i, ref defaults, out var error), args[i]);
            Assert.Null(error);
        }
        return defaults;
    }

    public static ManifestResult Inject(string text, InjectorDefaults defaults) =>
        new ManifestInjector(new InjectionEngine(defaults, Version)).Process([new ManifestSource("test.yaml", text)], inject: true);

    public static ManifestResult Uninject(string text) =>
        new ManifestInjector(new InjectionEngine(new InjectorDefaults(), Version)).Process([new ManifestSource("test.yaml", text)], inject: false);

    public static string InjectOk(string text, InjectorDefaults defaults)
    {
        var result = Inject(text, defaults);
        Assert.Null(result.Error);
        return result.Output!;
    }

    public static string UninjectOk(string text)
    {
        var result = Uninject(text);
        Assert.Null(result.Error);
        return result.Output!;
    }

    /// <summary>What kubectl reads from a YAML stream: one JSON value per document (null for an empty one).</summary>
    public static JsonArray Meaning(string yaml) =>
        new([.. ManifestStreamReader.Read(yaml).Select(d => d.IsEmpty ? null : YamlMeaning.ToJson(d.Root))]);

    public static void AssertSameMeaning(JsonNode? expected, JsonNode? actual)
    {
        if (!JsonNode.DeepEquals(expected, actual))
        {
            Assert.Equal(expected?.ToJsonString(), actual?.ToJsonString());
            Assert.Fail("JSON differs only in number representation or key order");
        }
    }
}
