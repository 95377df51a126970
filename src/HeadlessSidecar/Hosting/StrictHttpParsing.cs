namespace HeadlessSidecar.Hosting;

/// <summary>
/// Kestrel accepts a bare LF as the end of a request line or header line unless this AppContext switch is set.
/// A proxy in front of the sidecar, or the pod behind it, may read the same bytes as one line: two parsers that
/// disagree on where a line ends is how requests are smuggled. With the switch, Kestrel answers them 400.
/// </summary>
/// <remarks>Kestrel reads the switch when it builds its server (each <c>KestrelServerOptions</c> once):
/// <see cref="Apply"/> runs before any host is built.</remarks>
internal static class StrictHttpParsing
{
    public const string LineFeedSwitch = "Microsoft.AspNetCore.Server.Kestrel.DisableHttp1LineFeedTerminators";

    public static void Apply() => AppContext.SetSwitch(LineFeedSwitch, isEnabled: true);

    /// <summary>Whether Kestrel will refuse bare-LF line ends in this process.</summary>
    public static bool Applied => AppContext.TryGetSwitch(LineFeedSwitch, out var enabled) && enabled;
}
