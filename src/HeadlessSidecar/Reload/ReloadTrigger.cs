namespace HeadlessSidecar.Reload;

/// <summary>What asked for a reload; a debounced burst may carry several.</summary>
[Flags]
internal enum ReloadTrigger
{
    None = 0,

    /// <summary>A watched configuration file changed, or became unreadable, or readable again.</summary>
    File = 1,

    /// <summary>SIGHUP: read the files again even when their content did not change.</summary>
    Signal = 2,
}
