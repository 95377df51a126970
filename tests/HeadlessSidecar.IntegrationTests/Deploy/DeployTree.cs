namespace HeadlessSidecar.IntegrationTests.Deploy;

/// <summary>The repository's <c>deploy/</c> folder, found from the test assembly's directory (the tests render the
/// files as committed, not copies that could go stale in bin/).</summary>
internal static class DeployTree
{
    public static string Root { get; } = Find();

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    private static string Find()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "HeadlessSidecar.sln")) && Directory.Exists(Path.Combine(directory.FullName, "deploy")))
            {
                return Path.Combine(directory.FullName, "deploy");
            }
        }
        throw new InvalidOperationException($"No HeadlessSidecar.sln with a deploy/ folder above {AppContext.BaseDirectory}.");
    }
}
