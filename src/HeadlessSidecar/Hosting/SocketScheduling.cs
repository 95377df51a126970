namespace HeadlessSidecar.Hosting;

/// <summary>
/// Where socket completions run. By default .NET hands every completion from its epoll thread to the thread pool;
/// the sidecar runs them on the epoll thread instead (<c>DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1</c>) and
/// lets Kestrel do the same, so a request crosses no thread on its way through. Nothing on those paths blocks.
/// </summary>
/// <remarks>The runtime reads the variable once, when the first socket is made: <see cref="PreferInline"/> runs
/// first thing in <c>Main</c>. A user who sets the variable (to 0, say, on a many-core node under heavy load)
/// keeps their choice.</remarks>
internal static class SocketScheduling
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    public static void PreferInline()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, "1");
        }
    }

    /// <summary>Whether socket completions run inline in this process (as the runtime reads it).</summary>
    public static bool InlineCompletions => Environment.GetEnvironmentVariable(Variable) == "1";
}
