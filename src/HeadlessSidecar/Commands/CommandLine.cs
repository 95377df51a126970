namespace HeadlessSidecar.Commands;

/// <summary>The parsed command line: a command word, <c>--config FILE</c>, and configuration overrides.</summary>
internal sealed record CommandLine(string Command, string? ConfigFile, string[] Overrides, string? Error)
{
    /// <summary><c>validate --no-files</c>: the files the configuration names (TLS certificates) are not opened.</summary>
    public bool NoFiles { get; init; }

    public static readonly string[] Commands = ["run", "demo", "validate", "help", "version"];

    public static CommandLine Parse(string[] args)
    {
        var command = "run";
        string? configFile = null;
        var overrides = new List<string>();
        var commandSeen = false;
        var noFiles = false;
        for (var i = 0; i < args.Length; i++)
        {
            var arg = args[i];
            switch (arg)
            {
                case "--help" or "-h" or "-?":
                    return new CommandLine("help", null, [], null);
                case "--version":
                    return new CommandLine("version", null, [], null);
                case "--no-files":
                    noFiles = true;
                    continue;
                case "--config":
                    if (i + 1 >= args.Length)
                    {
                        return new CommandLine(command, null, [], "--config needs a file name");
                    }
                    configFile = args[++i];
                    continue;
            }
            if (arg.StartsWith("--config=", StringComparison.Ordinal))
            {
                configFile = arg["--config=".Length..];
                continue;
            }
            if (!commandSeen && overrides.Count == 0 && !arg.StartsWith('-') && !arg.Contains('='))
            {
                if (!Commands.Contains(arg))
                {
                    return new CommandLine(command, null, [], $"unknown command '{arg}' (commands: run, demo, validate, inject, uninject, webhook, await; see --help)");
                }
                command = arg;
                commandSeen = true;
                continue;
            }
            overrides.Add(arg);
        }
        if (noFiles && command != "validate")
        {
            return new CommandLine(command, null, [], "--no-files is an option of validate only");
        }
        return new CommandLine(command, configFile, [.. overrides], null) { NoFiles = noFiles };
    }
}
