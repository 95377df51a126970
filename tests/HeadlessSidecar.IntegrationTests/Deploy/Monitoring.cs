using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using static HeadlessSidecar.IntegrationTests.Deploy.Manifest;

namespace HeadlessSidecar.IntegrationTests.Deploy;

/// <summary>deploy/monitoring rendered: its rules, the Prometheus rules file they make, its dashboard, the metric names they use.</summary>
internal static partial class Monitoring
{
    /// <summary>The alerts every runbook, rule and test agrees on.</summary>
    public static readonly string[] AlertNames =
    [
        "HeadlessSidecarNoHealthyPods", "HeadlessSidecarHighFailoverRate", "HeadlessSidecarPodEjections", "HeadlessSidecarDnsStale",
        "HeadlessSidecarRetryBudgetExhausted", "HeadlessSidecarDown", "HeadlessSidecarInjectorErrors", "HeadlessSidecarLimitRejections",
        "HeadlessSidecarConfigReloadFailed",
        "HeadlessSidecarTlsCertificateExpiring", "HeadlessSidecarTlsReloadFailed",
    ];

    public const string RunbookBaseAnnotation = "headless-sidecar.io/runbook-base-url";

    public static Task<Manifest> RenderAsync(CancellationToken cancellationToken) => Manifest.RenderAsync("monitoring", cancellationToken);

    public static YamlMappingNode Rule(Manifest manifest) => manifest.Single("PrometheusRule", "headless-sidecar");

    public static IEnumerable<YamlNode> Alerts(YamlMappingNode rule) =>
        List(rule, "spec.groups").SelectMany(g => List(g, "rules")).Where(r => Text(r, "alert") is not null);

    /// <summary>The PrometheusRule's spec as a Prometheus rules file (what the operator hands Prometheus).</summary>
    public static string RulesFile(YamlMappingNode rule) => Describe(Node(rule, "spec")!);

    public static JsonObject Dashboard(Manifest manifest)
    {
        var configMap = manifest.Single("ConfigMap", "headless-sidecar-dashboard");
        return JsonNode.Parse(RequiredText(configMap, "data.[headless-sidecar.json]"))!.AsObject();
    }

    /// <summary>Every PromQL expression of the dashboard: panel targets and variable queries.</summary>
    public static IEnumerable<string> DashboardExpressions(JsonObject dashboard) =>
        dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]?.AsArray() ?? []).Select(t => t!["expr"]!.GetValue<string>())
            .Concat(dashboard["templating"]!["list"]!.AsArray().Where(v => v!["type"]!.GetValue<string>() == "query")
                .Select(v => v!["definition"]!.GetValue<string>()));

    /// <summary>The metric names an expression reads: ours, the runtime's, and Prometheus's own <c>up</c>.</summary>
    public static IEnumerable<string> MetricNames(string expression) =>
        MetricName().Matches(expression).Select(m => m.Value);

    [GeneratedRegex(@"\b(?:headless_sidecar_[a-z0-9_]+|dotnet_[a-z0-9_]+|up)\b(?=\s*[{\[)]|\s*$|\s)")]
    private static partial Regex MetricName();
}
