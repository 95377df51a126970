using HeadlessSidecar.Configuration;
using Microsoft.Extensions.Configuration;

namespace HeadlessSidecar.Commands;

/// <summary>Builds the configuration in the usual order, later wins: appsettings.json, <c>--config FILE</c>,
/// environment variables (<c>Sidecar__Services__web__Host</c>), command-line overrides (<c>--Sidecar:AccessLog=true</c>).</summary>
internal static class SidecarConfiguration
{
    /// <summary>The optional <c>appsettings.json</c> beside the executable.</summary>
    public static string AppSettingsPath => Path.Combine(AppContext.BaseDirectory, "appsettings.json");

    public static IConfigurationRoot Build(string? configFile, string[] overrides)
    {
        var appSettings = AppSettingsPath;
        if (File.Exists(appSettings))
        {
            CheckSyntax(appSettings, $"'{appSettings}'");
        }
        var builder = new ConfigurationBuilder()
            .AddJsonFile(appSettings, optional: true, reloadOnChange: false);
        if (configFile is not null)
        {
            var full = Path.GetFullPath(configFile);
            if (!File.Exists(full))
            {
                throw new ConfigurationFileException($"--config: file '{configFile}' does not exist");
            }
            CheckSyntax(full, $"--config: '{configFile}'");
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

    /// <summary>A file that is not JSON is named with the line and byte of the problem (the builder's message is not).</summary>
    private static void CheckSyntax(string path, string name)
    {
        byte[] json;
        try
        {
            json = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigurationFileException($"{name} cannot be read: {ex.Message}");
        }
        if (JsonFileSyntax.Check(json) is { } problem)
        {
            throw new ConfigurationFileException($"{name} is not valid JSON: {problem}");
        }
    }

    /// <summary>Reads and validates; prints every problem to stderr and returns null when there is any.</summary>
    public static SidecarOptions? ReadOrReport(IConfiguration configuration, TextWriter error, SidecarReadOptions? read = null)
    {
        var options = SidecarOptionsReader.Read(configuration, read ?? SidecarReadOptions.Default, out var errors);
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
