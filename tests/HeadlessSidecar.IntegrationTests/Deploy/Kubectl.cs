using System.Globalization;
using System.Text.RegularExpressions;
using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.Deploy;

/// <summary>
/// <c>kubectl kustomize</c>, which renders offline. Needs kubectl 1.32 or later (kustomize 5); Debian's
/// <c>kubernetes-client</c> package is 1.20, whose kustomize is too old, so a missing or old kubectl fails the test
/// with where to get one rather than skipping it.
/// </summary>
internal static partial class Kubectl
{
    private const int MinimumMinor = 32;

    private static readonly Lazy<Task<string>> Path = new(ResolveAndCheckAsync);

    /// <summary>The YAML stream <c>kubectl kustomize</c> prints for <paramref name="directory"/>.</summary>
    public static async Task<string> KustomizeAsync(string directory, CancellationToken cancellationToken = default)
    {
        var (exit, output) = await ProcessRunner.RunAsync(await Path.Value, ["kustomize", directory],
            timeout: TimeSpan.FromSeconds(60), cancellationToken: cancellationToken);
        Assert.True(exit == 0, $"kubectl kustomize {directory} failed ({exit}):\n{output}");
        return output;
    }

    private static async Task<string> ResolveAndCheckAsync()
    {
        const string Where = "kubectl 1.32 or later (it bundles kustomize 5) is needed to render deploy/: install the upstream " +
            "binary from https://dl.k8s.io (Debian's kubernetes-client package is 1.20, too old).";
        string path;
        try
        {
            path = RequiredTool.Resolve("kubectl");
        }
        catch (InvalidOperationException)
        {
            throw new InvalidOperationException($"'kubectl' was not found on PATH. {Where}");
        }

        var (exit, output) = await ProcessRunner.RunAsync(path, ["version", "--client"], timeout: TimeSpan.FromSeconds(30));
        var match = ClientVersion().Match(output);
        if (exit != 0 || !match.Success || int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) != 1 ||
            int.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture) < MinimumMinor)
        {
            throw new InvalidOperationException($"{path} is not usable ('kubectl version --client' said: {output.Trim()}). {Where}");
        }
        return path;
    }

    [GeneratedRegex(@"Client Version: v(\d+)\.(\d+)")]
    private static partial Regex ClientVersion();
}
