using HeadlessSidecar.Configuration;
using Microsoft.Extensions.Configuration;

namespace HeadlessSidecar.Commands;

/// <summary>Builds the configuration in the usual order, later wins: appsettings.json, <c>--config FILE</c>,
/// environment variables (<c>Sidecar__Services__web__Host</c>), command-line overrides (<c>--Sidecar:AccessLog=true</c>).</summary>
internal static class SidecarConfiguration
{
    public static IConfigurationRoot Build(string? configFile, string[] overrides)
    {
        var builder = new ConfigurationBuilder()
            .AddJsonFile(Path.Combine(AppContext.BaseDirectory, "appsettings.json"), optional: true, reloadOnChange: false);
        if (configFile is not null)
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
            {
                throw new ConfigurationFileException($"--config: file '{configFile}' does not exist");
            }
            builder.AddJsonFile(full, optional: false, reloadOnChange: false);
        }
        builder.AddEnvironmentVariables().AddCommandLine(overrides);
        try
        {
            return builder.Build();
        }
        catch (Exception ex) when (ex is FormatException or InvalidDataException or IOException)
        {
            throw new ConfigurationFileException($"--config: '{configFile}' is not valid JSON: {(ex.InnerException ?? ex).Message}");
        }
    }

    /// <summary>Reads and validates; prints every problem to stderr and returns null when there is any.</summary>
    public static SidecarOptions? ReadOrReport(IConfiguration configuration, TextWriter error)
    {
        var options = SidecarOptionsReader.Read(configuration, out var errors);
        if (errors.Count == 0)
        {
            return options;
        }
        foreach (var problem in errors)
        {
            error.WriteLine(problem.ToString());
        }
        return null;
    }
}

internal sealed class ConfigurationFileException(string message) : Exception(message);
