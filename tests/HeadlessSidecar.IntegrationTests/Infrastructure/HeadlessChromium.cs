using OpenQA.Selenium.Chrome;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// Debian's chromium, headless, driven through Debian's chromedriver by Selenium. Both paths are given, so Selenium
/// never looks for (or downloads) a browser or driver of its own.
/// </summary>
public static class HeadlessChromium
{
    public static ChromeDriver Start(int width = 1280, int height = 900)
    {
        var driverPath = RequiredTool.Resolve("chromedriver");
        var browserPath = RequiredTool.Resolve("chromium");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(driverPath)!, Path.GetFileName(driverPath));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        var options = new ChromeOptions { BinaryLocation = browserPath };
        options.AddArguments(
            "--headless=new",
            // Root (CI runs as root) cannot use chromium's sandbox.
            "--no-sandbox",
            "--disable-dev-shm-usage",
            "--disable-gpu",
            "--no-first-run",
            "--disable-extensions",
            $"--window-size={width},{height}");
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }
}
