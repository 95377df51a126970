using HeadlessSidecar.IntegrationTests.Infrastructure;

namespace HeadlessSidecar.IntegrationTests.InfrastructureTests;

public sealed class RequiredToolTests
{
    [Theory]
    [InlineData("knotd")]
    [InlineData("knotc")]
    [InlineData("kdig")]
    [InlineData("promtool")]
    [InlineData("nghttpd")]
    [InlineData("openssl")]
    [InlineData("curl")]
    [InlineData("nginx")]
    [InlineData("redis-cli")]
    public void Resolve_InstalledTool_FullPathOfAnExistingFile(string command)
    {
        var path = RequiredTool.Resolve(command);

        Assert.True(Path.IsPathFullyQualified(path));
        Assert.True(File.Exists(path));
    }

    [Fact]
    public void Resolve_MissingTool_FailsNamingTheAptInstall()
    {
        var error = Assert.Throws<InvalidOperationException>(() => RequiredTool.Resolve("no-such-tool-hs"));

        Assert.Contains("apt-get install", error.Message, StringComparison.Ordinal);
    }
}
