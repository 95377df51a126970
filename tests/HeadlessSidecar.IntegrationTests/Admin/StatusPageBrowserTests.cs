using System.Diagnostics;
using System.Net;
using System.Text.RegularExpressions;
using HeadlessSidecar.Demo;
using HeadlessSidecar.IntegrationTests.Infrastructure;
using HeadlessSidecar.IntegrationTests.Sidecar;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;

namespace HeadlessSidecar.IntegrationTests.Admin;

/// <summary>The demo binds fixed addresses (its admin port, proxy port and ordinal ports): one at a time.</summary>
[CollectionDefinition(nameof(DemoGroup), DisableParallelization = true)]
public sealed class DemoGroup;

/// <summary>
/// /status in a real browser against the real demo, as a user runs it: the page lists web-0..2, shows a pod stopped
/// with the demo's <c>stop web-1</c> as ejected (and the failover that its stop caused), and healthy again after
/// <c>start web-1</c>. It reads the DOM the page's script built, polling with a bound.
/// </summary>
[Collection(nameof(DemoGroup))]
public sealed partial class StatusPageBrowserTests
{
    private static readonly TimeSpan PageTimeout = TimeSpan.FromSeconds(20);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static ITestOutputHelper? Output => TestContext.Current.TestOutputHelper;

    [Fact]
    public async Task StatusPage_DemoPodStoppedAndStarted_ShownEjectedThenHealthy()
    {
        var clock = Stopwatch.StartNew();
        await using var demo = ProcessRunner.Start("dotnet", [SidecarProcess.Dll, "demo"], keepStandardInputOpen: true);
        string? statusUrl = null;
        await Poll.UntilAsync(_ =>
        {
            statusUrl = StatusUrl().Match(demo.StandardOutput) is { Success: true } m ? m.Groups[1].Value : null;
            return Task.FromResult(statusUrl is not null || demo.HasExited);
        }, "the demo's status page address", TimeSpan.FromSeconds(60), demo.Describe, Ct);
        Assert.True(statusUrl is not null, $"the demo did not print its status page's address{demo.Describe()}");

        using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
        var admin = new Uri(new Uri(statusUrl), "/");
        await Poll.UntilAsync(async ct => (await http.GetAsync(new Uri(admin, "readyz"), ct)).StatusCode == HttpStatusCode.OK,
            "the demo ready", TimeSpan.FromSeconds(30), demo.Describe, Ct);
        Output?.WriteLine($"demo ready after {clock.Elapsed.TotalSeconds:0.0} s");

        using var browser = HeadlessChromium.Start();
        Output?.WriteLine($"browser started after {clock.Elapsed.TotalSeconds:0.0} s");
        await browser.Navigate().GoToUrlAsync(statusUrl);
        await WaitForStatesAsync(browser, "web-0=healthy web-1=healthy web-2=healthy", demo);
        Assert.Equal("web", browser.FindElement(By.CssSelector("section[data-service] h2")).Text);
        Assert.Equal(["127.0.0.21", "127.0.0.22", "127.0.0.23"],
            browser.FindElements(By.CssSelector("tr[data-pod] [data-field=address]")).Select(a => a.Text.Split(':')[0]));
        Assert.Equal(["0", "1", "2"], browser.FindElements(By.CssSelector("tr[data-pod] [data-field=ordinal]")).Select(o => o.Text));

        await demo.WriteStandardInputAsync("stop web-1\n", Ct);
        await WaitForOutputAsync(demo, "web-1 stopped");
        // Round-robin gives web-1 one of any three requests: it refuses, so one of them moves to another pod.
        var proxy = new Uri($"http://{DemoCommand.Defaults(new IPEndPoint(IPAddress.Loopback, 53))["Sidecar:Services:web:Listen"]}/");
        for (var i = 0; i < 3; i++)
        {
            using var response = await http.GetAsync(proxy, Ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
        await WaitForStatesAsync(browser, "web-0=healthy web-1=ejected web-2=healthy", demo);
        Output?.WriteLine($"web-1 shown ejected after {clock.Elapsed.TotalSeconds:0.0} s");
        var state = browser.FindElement(By.CssSelector("tr[data-pod='web-1'] [data-field=state]")).Text;
        Assert.Contains("ejected", state, StringComparison.Ordinal);
        await Poll.UntilAsync(_ => Task.FromResult(browser.FindElements(By.CssSelector("tr[data-failover]"))
            .Any(row => row.Text.Contains("web-1", StringComparison.Ordinal) && row.Text.Contains("connect_error", StringComparison.Ordinal))),
            "a failover from web-1 listed", PageTimeout, demo.Describe, Ct);
        Assert.Contains("ejected", browser.Title, StringComparison.Ordinal);
        SaveScreenshot(browser, "status-ejected.png");

        await demo.WriteStandardInputAsync("start web-1\n", Ct);
        await WaitForOutputAsync(demo, "web-1 started again");
        await WaitForStatesAsync(browser, "web-0=healthy web-1=healthy web-2=healthy", demo);
        Output?.WriteLine($"web-1 shown healthy again after {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.Equal("HeadlessSidecar status", browser.Title);
    }

    /// <summary>Waits until the page's pod rows read exactly <paramref name="expected"/> ("pod=state …"), in the state attribute and the visible text.</summary>
    private static Task WaitForStatesAsync(ChromeDriver browser, string expected, ProcessRunner demo)
    {
        var seen = "";
        return Poll.UntilAsync(_ =>
        {
            // One script call reads every row at once, so a redraw between rows cannot mix two refreshes.
            seen = (string)browser.ExecuteScript("""
                return Array.from(document.querySelectorAll('tr[data-pod]')).map(function (row) {
                  var cell = row.querySelector('[data-field=state]');
                  var shown = cell.innerText.indexOf(cell.dataset.state) >= 0 ? cell.dataset.state : 'text:' + cell.innerText;
                  return row.dataset.pod + '=' + shown;
                }).join(' ');
                """)!;
            return Task.FromResult(seen == expected);
        }, $"the page to show {expected}", PageTimeout, () => $"{Environment.NewLine}page showed: {seen}{demo.Describe()}", Ct);
    }

    private static Task WaitForOutputAsync(ProcessRunner demo, string text) =>
        Poll.UntilAsync(_ => Task.FromResult(demo.StandardOutput.Contains(text, StringComparison.Ordinal)),
            $"the demo to say '{text}'", TimeSpan.FromSeconds(15), demo.Describe, Ct);

    /// <summary>Set HEADLESS_SIDECAR_SCREENSHOTS to a directory to keep what the browser showed.</summary>
    private static void SaveScreenshot(ChromeDriver browser, string name)
    {
        if (Environment.GetEnvironmentVariable("HEADLESS_SIDECAR_SCREENSHOTS") is { Length: > 0 } directory)
        {
            Directory.CreateDirectory(directory);
            var path = Path.Combine(directory, name);
            browser.GetScreenshot().SaveAsFile(path);
            Output?.WriteLine($"screenshot: {path}");
        }
    }

    [GeneratedRegex(@"Status page, live in a browser: (http://\S+/status)")]
    private static partial Regex StatusUrl();
}
