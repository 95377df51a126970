using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>
/// A child process whose output is captured for failure messages and whose whole tree is killed on dispose,
/// so a failed test never leaves a server behind.
/// </summary>
public sealed class ProcessRunner : IAsyncDisposable
{
    private static readonly TimeSpan KillTimeout = TimeSpan.FromSeconds(10);

    // Children still running when the test host exits (a test that forgot to dispose, a run stopped by its
    // timeout) are killed then, so no knotd or nghttpd outlives the run.
    private static readonly ConcurrentDictionary<ProcessRunner, byte> Running = new();

    static ProcessRunner() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var runner in Running.Keys)
        {
            runner.TryKill();
        }
    };

    private readonly Process _process;
    private readonly StringBuilder _standardOutput = new();
    private readonly StringBuilder _standardError = new();
    private readonly string _commandLine;

    private ProcessRunner(Process process, string commandLine)
    {
        _process = process;
        _commandLine = commandLine;
    }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string CommandLine => _commandLine;

    public string StandardOutput
    {
        get
        {
            lock (_standardOutput)
            {
                return _standardOutput.ToString();
            }
        }
    }

    public string StandardError
    {
        get
        {
            lock (_standardError)
            {
                return _standardError.ToString();
            }
        }
    }

    /// <summary>
    /// Starts <paramref name="fileName"/>. Standard input is a pipe (closed at once unless
    /// <paramref name="keepStandardInputOpen"/>), so a child never reads the test runner's terminal.
    /// </summary>
    public static ProcessRunner Start(
        string fileName,
        IEnumerable<string> arguments,
        string? workingDirectory = null,
        bool keepStandardInputOpen = false,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        ArgumentNullException.ThrowIfNull(arguments);

        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? string.Empty,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var runner = new ProcessRunner(process, fileName + " " + string.Join(' ', startInfo.ArgumentList));
        process.OutputDataReceived += (_, e) => Append(runner._standardOutput, e.Data);
        process.ErrorDataReceived += (_, e) => Append(runner._standardError, e.Data);

        if (!process.Start())
        {
            throw new InvalidOperationException($"Could not start '{runner._commandLine}'.");
        }

        Running.TryAdd(runner, 0);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!keepStandardInputOpen)
        {
            process.StandardInput.Close();
        }

        return runner;
    }

    /// <summary>Runs a command to completion, feeding it <paramref name="standardInput"/>; output is stdout then stderr.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        string? standardInput = null,
        TimeSpan? timeout = null,
        CancellationToken cancellationToken = default)
    {
        await using var runner = Start(fileName, arguments, keepStandardInputOpen: standardInput is not null);
        if (standardInput is not null)
        {
            await runner.WriteStandardInputAndCloseAsync(standardInput, cancellationToken);
        }

        var exitCode = await runner.WaitForExitAsync(timeout ?? TimeSpan.FromSeconds(30), cancellationToken);
        return (exitCode, runner.StandardOutput + runner.StandardError);
    }

    public async Task WriteStandardInputAndCloseAsync(string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        var input = _process.StandardInput;
        await input.WriteAsync(text.AsMemory(), cancellationToken);
        await input.FlushAsync(cancellationToken);
        input.Close();
    }

    /// <summary>Waits for the process to exit and its output to drain; throws <see cref="TimeoutException"/> with its output after <paramref name="timeout"/>.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"'{_commandLine}' did not exit within {timeout.TotalSeconds:0.#} s.{Describe()}");
        }

        return _process.ExitCode;
    }

    /// <summary>Kills the process and its children (SIGKILL) and waits, bounded, until they are gone.</summary>
    public async Task KillAsync()
    {
        TryKill();
        await WaitForExitAsync(KillTimeout);
        Running.TryRemove(this, out _);
    }

    /// <summary>The command line, exit status and captured output, for assertion messages.</summary>
    public string Describe()
    {
        var status = _process.HasExited ? $"exited with {_process.ExitCode}" : "still running";
        return $"{Environment.NewLine}command: {_commandLine} ({status})" +
               $"{Environment.NewLine}stdout:{Environment.NewLine}{Tail(StandardOutput)}" +
               $"{Environment.NewLine}stderr:{Environment.NewLine}{Tail(StandardError)}";
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void TryKill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.AppendLine(line);
        }
    }

    private static string Tail(string text, int maxChars = 8000) =>
        text.Length <= maxChars ? text : "…" + text[^maxChars..];
}
