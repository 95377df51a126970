using static HeadlessSidecar.IntegrationTests.Deploy.Manifest;

namespace HeadlessSidecar.IntegrationTests.Deploy;

/// <summary>deploy/monitoring rendered: what it scrapes, how it labels, the dashboard's identity and variables.</summary>
public sealed class MonitoringManifestTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Render_PodMonitor_ScrapesHsAdmin_KeepsUpstreamPod_NamesTheSidecarPod()
    {
        var manifest = await Monitoring.RenderAsync(Ct);
        var monitor = manifest.Single("PodMonitor", "headless-sidecar");
        Assert.Equal("true", Text(monitor, "spec.namespaceSelector.any"));
        var endpoint = Assert.Single(List(monitor, "spec.podMetricsEndpoints"));
        Assert.Equal("hs-admin", Text(endpoint, "port"));
        Assert.Equal("/metrics", Text(endpoint, "path"));
        Assert.Equal("true", Text(endpoint, "honorLabels"));
        var relabelings = List(endpoint, "relabelings");
        var sidecarPod = Assert.Single(relabelings, r => Text(r, "targetLabel") == "sidecar_pod");
        Assert.Equal(["__meta_kubernetes_pod_name"], Texts(sidecarPod, "sourceLabels"));
        // The target's own pod label goes, so `pod` is only ever the upstream pod the sidecar exposes.
        var drop = Assert.Single(relabelings, r => Text(r, "action") == "labeldrop");
        Assert.Equal("pod", Text(drop, "regex"));
        Assert.True(relabelings.ToList().IndexOf(sidecarPod) < relabelings.ToList().IndexOf(drop));
        Assert.DoesNotContain(relabelings, r => Text(r, "targetLabel") == "namespace" || Text(r, "regex") == "namespace");
        var job = Assert.Single(relabelings, r => Text(r, "targetLabel") == "job");
        Assert.Equal("headless-sidecar", Text(job, "replacement"));
    }

    [Fact]
    public async Task Render_InjectorServiceMonitor_HttpsVerifiedAgainstTheCertificatesCa()
    {
        var monitoring = await Monitoring.RenderAsync(Ct);
        var injector = await Manifest.RenderAsync("injector", Ct);
        var monitor = monitoring.Single("ServiceMonitor", "headless-sidecar-injector");
        var service = injector.Single("Service", "headless-sidecar-injector");
        var certificate = injector.Single("Certificate");

        Assert.Equal(Text(service, "metadata.namespace"), Text(monitor, "metadata.namespace"));
        InjectorManifestTests.AssertSelects(Map(monitor, "spec.selector.matchLabels"), Map(service, "metadata.labels"));
        var endpoint = Assert.Single(List(monitor, "spec.endpoints"));
        Assert.Equal(Text(service, "spec.ports.0.name"), Text(endpoint, "port"));
        Assert.Equal("https", Text(endpoint, "scheme"));
        Assert.Equal("/metrics", Text(endpoint, "path"));
        Assert.Null(Text(endpoint, "tlsConfig.insecureSkipVerify"));
        Assert.Equal(Text(certificate, "spec.secretName"), Text(endpoint, "tlsConfig.ca.secret.name"));
        Assert.Equal("ca.crt", Text(endpoint, "tlsConfig.ca.secret.key"));
        Assert.Contains(RequiredText(endpoint, "tlsConfig.serverName"), Texts(certificate, "spec.dnsNames"));
    }

    [Fact]
    public async Task Render_Dashboard_FixedUid_Variables_InAGrafanaConfigMap()
    {
        var manifest = await Monitoring.RenderAsync(Ct);
        var configMap = manifest.Single("ConfigMap", "headless-sidecar-dashboard");
        Assert.Equal("1", Map(configMap, "metadata.labels")["grafana_dashboard"]);
        var dashboard = Monitoring.Dashboard(manifest);
        Assert.Equal("headless-sidecar", dashboard["uid"]!.GetValue<string>());
        var variables = dashboard["templating"]!["list"]!.AsArray().Select(v => v!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["datasource", "namespace", "sidecar_pod", "service"], variables);

        // Every panel query is scoped by the variables, and by the sidecars' job.
        var expressions = Monitoring.DashboardExpressions(dashboard).ToList();
        Assert.True(expressions.Count >= 20, $"{expressions.Count} expressions");
        Assert.All(dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]?.AsArray() ?? []).Select(t => t!["expr"]!.GetValue<string>()), e =>
        {
            Assert.Contains("job=\"headless-sidecar\"", e, StringComparison.Ordinal);
            Assert.Contains("namespace=~\"$namespace\"", e, StringComparison.Ordinal);
            Assert.Contains("sidecar_pod=~\"$sidecar_pod\"", e, StringComparison.Ordinal);
        });
        var names = expressions.SelectMany(Monitoring.MetricNames).ToHashSet(StringComparer.Ordinal);
        foreach (var wanted in new[]
        {
            "headless_sidecar_requests_total", "headless_sidecar_request_duration_seconds_bucket", "headless_sidecar_failovers_total",
            "headless_sidecar_endpoints", "headless_sidecar_dns_lookups_total", "headless_sidecar_dns_stale", "headless_sidecar_tcp_active_connections",
            "headless_sidecar_tcp_bytes_total", "headless_sidecar_pod_role", "dotnet_process_cpu_time_seconds_total",
            "dotnet_process_memory_working_set_bytes", "dotnet_gc_last_collection_heap_size_bytes",
        })
        {
            Assert.Contains(wanted, names);
        }
    }

    [Fact]
    public async Task Render_RunbookUrlOverlay_EveryAlertLinksIntoTheNewBase()
    {
        var manifest = await Manifest.RenderAsync("examples/runbook-url", Ct);
        var rule = Monitoring.Rule(manifest);
        var baseUrl = RequiredText(rule, $"metadata.annotations.[{Monitoring.RunbookBaseAnnotation}]");
        Assert.StartsWith("https://wiki.example.com/", baseUrl, StringComparison.Ordinal);
        var alerts = Monitoring.Alerts(rule).ToList();
        Assert.Equal(Monitoring.AlertNames.Length, alerts.Count);
        Assert.All(alerts, a => Assert.Equal($"{baseUrl}#{RequiredText(a, "alert").ToLowerInvariant()}", Text(a, "annotations.runbook_url")));
        Assert.All(manifest.Objects, o => Assert.Equal("kube-prometheus-stack", Map(o, "metadata.labels").GetValueOrDefault("release")));
    }
}
