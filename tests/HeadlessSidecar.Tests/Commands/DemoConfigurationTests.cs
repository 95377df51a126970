using System.Net;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Demo;
using Microsoft.Extensions.Configuration;

namespace HeadlessSidecar.Tests.Commands;

public class DemoConfigurationTests
{
    private static string DemoJson
    {
        get
        {
            for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
            {
                var path = Path.Combine(directory.FullName, "deploy", "demo.json");
                if (File.Exists(path))
                {
                    return path;
                }
            }
            throw new FileNotFoundException("deploy/demo.json not found above " + AppContext.BaseDirectory);
        }
    }

    [Fact]
    public void DemoDefaults_EqualDeployDemoJson()
    {
        var file = new ConfigurationBuilder().AddJsonFile(DemoJson).Build();
        var fromFile = SidecarOptionsReader.Read(file, out var fileErrors);
        Assert.Empty(fileErrors);
        var dns = fromFile.Dns.Servers![0];
        var embedded = new ConfigurationBuilder().AddInMemoryCollection(DemoCommand.Defaults(dns)).Build();
        var fromCode = SidecarOptionsReader.Read(embedded, out var codeErrors);
        Assert.Empty(codeErrors);

        var flat = file.AsEnumerable().Where(kv => kv.Value is not null).Select(kv => (kv.Key, kv.Value!.ToLowerInvariant())).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        var flatCode = embedded.AsEnumerable().Where(kv => kv.Value is not null).Select(kv => (kv.Key, kv.Value!.ToLowerInvariant())).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(flat, flatCode);
        Assert.Equal(new IPEndPoint(IPAddress.Parse("127.0.0.53"), 15353), dns);
        Assert.Equal(fromFile.Services[0].Listen, fromCode.Services[0].Listen);
    }
}
