namespace HeadlessSidecar.Injection;

/// <summary>
/// The flags <c>inject</c> and <c>webhook</c> share (<c>--mode</c>, <c>--image</c>, <c>--config-map</c>), parsed one at
/// a time so each command keeps its own other flags.
/// </summary>
internal static class InjectorFlags
{
    /// <summary>
    /// Applies <paramref name="args"/>[<paramref name="index"/>] when it is one of the shared flags (as <c>--flag value</c>
    /// or <c>--flag=value</c>), advancing <paramref name="index"/> past its value. Returns false for any other
    /// argument; <paramref name="error"/> is set when the flag is known but its value is missing or invalid.
    /// </summary>
    public static bool TryApply(string[] args, ref int index, ref InjectorDefaults defaults, out string? error)
    {
        error = null;
        var arg = args[index];
        var equals = arg.IndexOf('=', StringComparison.Ordinal);
        var name = equals > 0 ? arg[..equals] : arg;
        if (name is not ("--mode" or "--image" or "--config-map"))
        {
            return false;
        }
        string? value;
        if (equals > 0)
        {
            value = arg[(equals + 1)..];
        }
        else if (index + 1 < args.Length)
        {
            value = args[++index];
        }
        else
        {
            error = $"{name} needs a value";
            return true;
        }
        if (value.Length == 0)
        {
            error = $"{name} needs a value";
            return true;
        }
        switch (name)
        {
            case "--mode":
                if (!TryParseMode(value, out var mode))
                {
                    error = $"--mode: '{value}' is not 'native' or 'classic'";
                    return true;
                }
                defaults = defaults with { Mode = mode };
                break;
            case "--image":
                defaults = defaults with { Image = value };
                break;
            default:
                defaults = defaults with { ConfigMap = value };
                break;
        }
        return true;
    }

    /// <summary><c>native</c> or <c>classic</c>, as the flag and the <c>headless-sidecar.io/mode</c> annotation spell them.</summary>
    public static bool TryParseMode(string value, out InjectionMode mode)
    {
        switch (value)
        {
            case "native":
                mode = InjectionMode.Native;
                return true;
            case "classic":
                mode = InjectionMode.Classic;
                return true;
            default:
                mode = default;
                return false;
        }
    }
}
