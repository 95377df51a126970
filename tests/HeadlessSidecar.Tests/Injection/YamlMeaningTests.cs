using System.Text.Json.Nodes;
using HeadlessSidecar.Injection.Yaml;

namespace HeadlessSidecar.Tests.Injection;

/// <summary>What kubectl (go-yaml v2, YAML 1.1) reads from scalars, merges and aliases.</summary>
public sealed class YamlMeaningTests
{
    private static JsonNode? ValueOf(string yamlValue) => InjectionTestData.Meaning($"v: {yamlValue}\n")[0]!["v"];

    [Theory]
    [InlineData("0644", "420")]
    [InlineData("0o17", "15")]
    [InlineData("0x1F", "31")]
    [InlineData("0b101", "5")]
    [InlineData("1_000", "1000")]
    [InlineData("-12", "-12")]
    [InlineData("+12", "12")]
    [InlineData("08", "8")]
    [InlineData("1.5", "1.5")]
    [InlineData("1e3", "1000")]
    [InlineData(".5", "0.5")]
    [InlineData("on", "true")]
    [InlineData("yes", "true")]
    [InlineData("Y", "true")]
    [InlineData("off", "false")]
    [InlineData("NO", "false")]
    [InlineData("~", "null")]
    [InlineData("null", "null")]
    [InlineData("", "null")]
    [InlineData("\"0644\"", "\"0644\"")]
    [InlineData("'on'", "\"on\"")]
    [InlineData("!!str 0644", "\"0644\"")]
    [InlineData("!!int \"12\"", "12")]
    [InlineData("!!float 1", "1")]
    [InlineData("! 12", "\"12\"")]
    [InlineData("!custom 12", "\"12\"")]
    [InlineData("2024-01-02", "\"2024-01-02\"")]
    [InlineData("12:30", "\"12:30\"")]
    [InlineData("1.10", "1.1")]
    [InlineData("0x", "\"0x\"")]
    [InlineData("nan", "\"nan\"")]
    [InlineData("<<", "\"<<\"")]
    public void Resolve_Scalar_AsGoYamlV2(string yaml, string json)
    {
        var value = ValueOf(yaml);
        Assert.Equal(JsonNode.Parse(json)?.ToJsonString() ?? "null", value?.ToJsonString() ?? "null");
    }

    [Theory]
    [InlineData(".nan")]
    [InlineData(".inf")]
    [InlineData("!!int abc")]
    public void Resolve_ValueWithoutJsonForm_Throws(string yaml) =>
        Assert.Throws<ManifestException>(() => ValueOf(yaml));

    [Fact]
    public void ToJson_MergeKeys_FollowGoYamlV2Order()
    {
        var meaning = InjectionTestData.Meaning("""
            base: &base {a: 1, b: 1}
            other: &other {b: 2, c: 2}
            explicitAfter:
              <<: *base
              a: 9
            explicitBefore:
              a: 9
              <<: *base
            list:
              <<: [*base, *other]
            """)[0]!;
        Assert.Equal(9, meaning["explicitAfter"]!["a"]!.GetValue<int>());
        // go-yaml v2 applies a merge where it stands: it overwrites the keys before it.
        Assert.Equal(1, meaning["explicitBefore"]!["a"]!.GetValue<int>());
        // In a list of merges the earlier mapping wins.
        Assert.Equal(1, meaning["list"]!["b"]!.GetValue<int>());
        Assert.Equal(2, meaning["list"]!["c"]!.GetValue<int>());
    }

    [Fact]
    public void ToJson_NonStringKeys_BecomeStrings()
    {
        var meaning = InjectionTestData.Meaning("1: a\non: b\n0x10: c\n")[0]!.AsObject();
        Assert.Equal(["1", "16", "true"], meaning.Select(p => p.Key).Order(StringComparer.Ordinal));
        Assert.Equal("b", meaning["true"]!.GetValue<string>());
        // `true` and `on` are the same key once resolved: refused like any duplicate.
        Assert.Throws<ManifestException>(() => InjectionTestData.Meaning("true: a\non: b\n"));
    }

    [Fact]
    public void ToJson_RecursiveAlias_Throws() =>
        Assert.Throws<ManifestException>(() => InjectionTestData.Meaning("a: &a [*a]\n"));

    [Fact]
    public void ToJson_BillionLaughs_RefusedBeforeExhaustingMemory()
    {
        var lines = new List<string> { "l0: &l0 [x, x, x, x, x, x, x, x, x, x]" };
        for (var i = 1; i <= 8; i++)
        {
            lines.Add($"l{i}: &l{i} [{string.Join(", ", Enumerable.Repeat($"*l{i - 1}", 10))}]");
        }
        Assert.Throws<ManifestException>(() => InjectionTestData.Meaning(string.Join('\n', lines)));
    }
}
