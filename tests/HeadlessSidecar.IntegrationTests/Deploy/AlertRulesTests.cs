using HeadlessSidecar.IntegrationTests.Infrastructure;
using YamlDotNet.RepresentationModel;
using static HeadlessSidecar.IntegrationTests.Deploy.Manifest;

namespace HeadlessSidecar.IntegrationTests.Deploy;

/// <summary>The PrometheusRule of deploy/monitoring, as rendered, through promtool: it loads, and its unit tests pass.</summary>
public sealed class AlertRulesTests : IDisposable
{
    private static readonly string TestFile = DeployTree.PathOf("monitoring/tests/alerts.test.yaml");

    private readonly DirectoryInfo _directory = Directory.CreateTempSubdirectory("headless-sidecar-rules-");

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _directory.Delete(recursive: true);

    [Fact]
    public async Task Render_Rules_EachAlertOnce_WithSeverityTextAndRunbook()
    {
        var rule = Monitoring.Rule(await Monitoring.RenderAsync(Ct));
        var alerts = Monitoring.Alerts(rule).ToList();
        Assert.Equal(Monitoring.AlertNames.Order(StringComparer.Ordinal), alerts.Select(a => RequiredText(a, "alert")).Order(StringComparer.Ordinal));
        var baseUrl = RequiredText(rule, $"metadata.annotations.[{Monitoring.RunbookBaseAnnotation}]");
        Assert.EndsWith("/docs/runbooks.md", baseUrl, StringComparison.Ordinal);
        Assert.All(alerts, alert =>
        {
            var name = RequiredText(alert, "alert");
            Assert.Contains(Text(alert, "labels.severity"), new[] { "warning", "critical" });
            Assert.False(string.IsNullOrWhiteSpace(Text(alert, "annotations.summary")), name);
            Assert.False(string.IsNullOrWhiteSpace(Text(alert, "annotations.description")), name);
            Assert.Equal($"{baseUrl}#{name.ToLowerInvariant()}", Text(alert, "annotations.runbook_url"));
        });
    }

    [Fact]
    public async Task Promtool_CheckRules_RenderedRulesAreValid()
    {
        var rules = await WriteRulesAsync();
        var (exit, output) = await ProcessRunner.RunAsync(RequiredTool.Resolve("promtool"), ["check", "rules", rules],
            timeout: TimeSpan.FromSeconds(60), cancellationToken: Ct);
        Assert.True(exit == 0, output);
        Assert.Contains($"SUCCESS: {Monitoring.AlertNames.Length} rules found", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Promtool_TestRules_EveryAlertFiresAndDoesNotAtItsBoundary()
    {
        await WriteRulesAsync();
        var test = Path.Combine(_directory.FullName, Path.GetFileName(TestFile));
        File.Copy(TestFile, test);
        var (exit, output) = await ProcessRunner.RunAsync(RequiredTool.Resolve("promtool"), ["test", "rules", test],
            timeout: TimeSpan.FromSeconds(60), cancellationToken: Ct);
        Assert.True(exit == 0, output);
        Assert.Contains("SUCCESS", output, StringComparison.Ordinal);
    }

    [Fact]
    public void TestFile_EveryAlertHasAFiringAndAQuietCase()
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(TestFile)));
        var cases = List(stream.Documents[0].RootNode, "tests").SelectMany(t => List(t, "alert_rule_test")).ToList();
        Assert.All(Monitoring.AlertNames, name =>
        {
            var own = cases.Where(c => Text(c, "alertname") == name).ToList();
            Assert.True(own.Any(c => List(c, "exp_alerts").Count > 0), $"{name}: no case where it fires");
            Assert.True(own.Any(c => List(c, "exp_alerts").Count == 0), $"{name}: no case where it does not fire");
        });
        Assert.All(cases, c => Assert.Contains(RequiredText(c, "alertname"), Monitoring.AlertNames));
    }

    private async Task<string> WriteRulesAsync()
    {
        var rule = Monitoring.Rule(await Monitoring.RenderAsync(Ct));
        var path = Path.Combine(_directory.FullName, "rules.yaml");
        await File.WriteAllTextAsync(path, Monitoring.RulesFile(rule), Ct);
        return path;
    }
}
