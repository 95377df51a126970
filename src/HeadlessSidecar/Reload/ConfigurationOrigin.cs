using HeadlessSidecar.Commands;

namespace HeadlessSidecar.Reload;

/// <summary>
/// Where the running configuration was read from, so that a reload reads it the same way
/// (<see cref="SidecarConfiguration.Build"/>): the <c>--config</c> file, and the command-line overrides, which keep
/// winning over the files as they did at start (environment variables are read again by the build itself).
/// </summary>
/// <param name="ConfigFile">The <c>--config</c> argument as given; null when there was none.</param>
/// <param name="Overrides">The command-line overrides (<c>--Sidecar:AccessLog=true</c>).</param>
internal sealed record ConfigurationOrigin(string? ConfigFile, IReadOnlyList<string> Overrides)
{
    /// <summary>
    /// The files whose change is a reload: <c>appsettings.json</c> beside the executable when it exists now (it is
    /// optional, so one that appears later is not watched), then the <c>--config</c> file.
    /// </summary>
    public IReadOnlyList<string> WatchedFiles()
    {
        var files = new List<string>();
        if (File.Exists(SidecarConfiguration.AppSettingsPath))
        {
            files.Add(SidecarConfiguration.AppSettingsPath);
        }
        if (ConfigFile is not null)
        {
            files.Add(Path.GetFullPath(ConfigFile));
        }
        return files;
    }
}
