using System.Text;
using HeadlessSidecar.Health.Probes;

namespace HeadlessSidecar.Tests.Health.Probes;

public class ProbeCredentialsTests
{
    [Theory]
    [InlineData("probe:secret", "probe", "secret")]
    [InlineData("probe:secret\n", "probe", "secret")]
    [InlineData("probe:secret\r\n", "probe", "secret")]
    [InlineData("probe:se:cr:et", "probe", "se:cr:et")]
    [InlineData(":secret", "", "secret")]
    [InlineData("probe:", "probe", "")]
    public void Load_UserColonPassword_Splits(string content, string user, string password)
    {
        var path = WriteTemp(content);
        try
        {
            Assert.Equal(new ProbeCredentials(user, password), ProbeCredentials.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_EmptyFile_Null()
    {
        var path = WriteTemp("");
        try
        {
            Assert.Null(ProbeCredentials.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("justapassword")]
    [InlineData("x")]
    public void Load_NoColon_ThrowsWithoutContent(string content)
    {
        var path = WriteTemp(content);
        try
        {
            var error = Assert.Throws<InvalidDataException>(() => ProbeCredentials.Load(path));
            Assert.DoesNotContain(content, error.Message.Replace(path, "", StringComparison.Ordinal), StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_OversizedFile_Throws()
    {
        var path = WriteTemp("u:" + new string('p', ProbeCredentials.MaxFileBytes));
        try
        {
            Assert.Throws<InvalidDataException>(() => ProbeCredentials.Load(path));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ToString_Always_RedactsPassword()
    {
        var text = new ProbeCredentials("probe", "hunter2").ToString();

        Assert.Contains("probe", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", text, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2", $"{new ProbeCredentials("probe", "hunter2")}", StringComparison.Ordinal);
    }

    private static string WriteTemp(string content)
    {
        var path = Path.GetTempFileName();
        File.WriteAllBytes(path, Encoding.UTF8.GetBytes(content));
        return path;
    }
}
