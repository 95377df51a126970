using HeadlessSidecar.Commands;

namespace HeadlessSidecar.Tests.Injection;

/// <summary>The inject/uninject command line: sources, flags, exit codes, and nothing half-written.</summary>
public sealed class InjectCommandTests : IDisposable
{
    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("headless-sidecar-inject-");

    public void Dispose() => _directory.Delete(recursive: true);

    private const string Pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
        spec:
          containers:
          - name: app
            image: app:1
        """;

    private string Write(string name, string text)
    {
        var path = Path.Combine(_directory.FullName, name);
        File.WriteAllText(path, text);
        return path;
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(bool inject, string stdin, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var exit = await InjectCommand.RunAsync(args, inject, new StringReader(stdin), stdout, stderr, InjectionTestData.Version);
        return (exit, stdout.ToString(), stderr.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public async Task Inject_NoFileFlag_ReadsStdin()
    {
        var (exit, stdout, stderr) = await RunAsync(true, Pod);
        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
        Assert.Contains("name: headless-sidecar", stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inject_SeveralFilesAndStdin_OneStreamInOrderWithFlagsApplied()
    {
        var first = Write("a.yaml", Pod.Replace("name: p", "name: first", StringComparison.Ordinal));
        var (exit, stdout, _) = await RunAsync(true, Pod.Replace("name: p", "name: second", StringComparison.Ordinal),
            "-f", first, "--filename=-", "--mode=classic", "--image", "registry.example/hs:2", "--config-map", "cm");
        Assert.Equal(0, exit);
        var documents = InjectionTestData.Meaning(stdout);
        Assert.Equal(2, documents.Count);
        Assert.Equal("first", documents[0]!["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("second", documents[1]!["metadata"]!["name"]!.GetValue<string>());
        var sidecar = documents[1]!["spec"]!["containers"]![0]!;
        Assert.Equal("registry.example/hs:2", sidecar["image"]!.GetValue<string>());
        Assert.NotNull(sidecar["lifecycle"]);
        Assert.Equal("cm", documents[1]!["spec"]!["volumes"]![0]!["configMap"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Uninject_OfInjectOutput_GivesThePodBack()
    {
        var (_, injected, _) = await RunAsync(true, Pod);
        var (exit, stdout, stderr) = await RunAsync(false, injected);
        Assert.Equal(0, exit);
        Assert.Equal("", stderr);
        InjectionTestData.AssertSameMeaning(InjectionTestData.Meaning(Pod), InjectionTestData.Meaning(stdout));
    }

    public static TheoryData<string, string> BadInputs => new()
    {
        { "apiVersion: v1\nkind: Pod\nmetadata: {name: [\n", "invalid YAML at line" },
        { "apiVersion: v1\nkind: Pod\n  bad: indent\n", "invalid YAML at line" },
        { "foo: bar\n", "not a Kubernetes object: no apiVersion" },
        { "apiVersion: v1\nmetadata: {}\n", "not a Kubernetes object: no kind" },
        { "- a\n- b\n", "not a Kubernetes object: a sequence" },
        { "just text\n", "not a Kubernetes object: a scalar" },
        { "apiVersion: v1\nkind: List\nitems:\n- 42\n", "item 1: not a Kubernetes object" },
        { "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nmetadata: {name: b}\n", "duplicate key 'metadata'" },
        { "apiVersion: v1\nkind: Pod\nspec: *nothing\n", "names no anchor" },
        { "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    headless-sidecar.io/mode: sideways\nspec:\n  containers: [{name: a, image: b}]\n", "headless-sidecar.io/mode: 'sideways'" },
        { "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations:\n    headless-sidecar.io/memory-limit: lots\nspec:\n  containers: [{name: a, image: b}]\n", "not a Kubernetes quantity" },
        { "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers: [{name: a, image: b, ports: [{containerPort: 18090}]}]\n", "18090" },
    };

    [Theory]
    [MemberData(nameof(BadInputs))]
    public async Task Inject_BadDocumentAfterAGoodOne_Exit2OneLineNamingTheDocumentAndNothingOnStdout(string bad, string problem)
    {
        var path = Write("mixed.yaml", Pod + "\n---\n" + bad);
        var (exit, stdout, stderr) = await RunAsync(true, "", "-f", path);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        var line = Assert.Single(Lines(stderr));
        Assert.StartsWith($"headless-sidecar: {path}: document 2", line, StringComparison.Ordinal);
        Assert.Contains(problem, line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inject_StdinBadYaml_NamesStdin()
    {
        var (exit, stdout, stderr) = await RunAsync(true, "a: [1\n");
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith("headless-sidecar: <stdin>: document 1: invalid YAML", Assert.Single(Lines(stderr)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--mode", "sideways")]
    [InlineData("--colour", "red")]
    [InlineData("-f", null)]
    public async Task Inject_BadCommandLine_Exit2OneLine(string flag, string? value)
    {
        var (exit, stdout, stderr) = await RunAsync(true, Pod, value is null ? [flag] : [flag, value]);
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Single(Lines(stderr));
    }

    [Fact]
    public async Task Uninject_InjectFlags_AreRefused()
    {
        var (exit, _, stderr) = await RunAsync(false, Pod, "--mode", "classic");
        Assert.Equal(2, exit);
        Assert.Contains("unknown argument '--mode'", stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inject_MissingFile_Exit2()
    {
        var (exit, stdout, stderr) = await RunAsync(true, "", "-f", Path.Combine(_directory.FullName, "missing.yaml"));
        Assert.Equal(2, exit);
        Assert.Equal("", stdout);
        Assert.Contains("cannot read", Assert.Single(Lines(stderr)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Inject_HostNetworkAndClassicJob_WarnOnStderrExit0AndLeaveThemUninjected()
    {
        var hostNetwork = InjectionTestData.Input("hostnetwork");
        var (exit, stdout, stderr) = await RunAsync(true, hostNetwork);
        Assert.Equal(0, exit);
        Assert.Equal(2, Lines(stderr).Count(l => l.StartsWith("headless-sidecar: warning: <stdin>: document", StringComparison.Ordinal) && l.Contains("hostNetwork", StringComparison.Ordinal)));
        InjectionTestData.AssertSameMeaning(InjectionTestData.Meaning(hostNetwork), InjectionTestData.Meaning(stdout));

        var classic = InjectionTestData.Input("classic");
        (exit, stdout, stderr) = await RunAsync(true, classic, "--mode", "classic");
        Assert.Equal(0, exit);
        var warning = Assert.Single(Lines(stderr));
        Assert.Contains("document 2 (Job classic-job)", warning, StringComparison.Ordinal);
        Assert.Contains("classic mode", warning, StringComparison.Ordinal);
        var documents = InjectionTestData.Meaning(stdout);
        Assert.Null(documents[1]!["spec"]!["template"]!["metadata"]);
    }

    [Fact]
    public async Task Help_ListsInjectAndUninject()
    {
        var (exit, stdout, _) = await RunAsync(true, "", "--help");
        Assert.Equal(0, exit);
        Assert.Contains("inject [-f FILE]", stdout, StringComparison.Ordinal);
    }
}
