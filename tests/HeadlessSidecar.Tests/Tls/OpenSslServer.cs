using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace HeadlessSidecar.Tests.Tls;

/// <summary>
/// <c>openssl s_server</c> on loopback: a TLS server that checks client certificates inside the handshake as real
/// pods do (nginx, Redis), and so refuses one with an alert (.NET's own server checks them after its handshake).
/// </summary>
internal sealed class OpenSslServer : IAsyncDisposable
{
    private readonly Process _process;

    private OpenSslServer(Process process, IPEndPoint endPoint)
    {
        _process = process;
        EndPoint = endPoint;
    }

    public IPEndPoint EndPoint { get; }

    /// <summary>Starts a server with <paramref name="certificateFile"/>/<paramref name="keyFile"/> that requires a client
    /// certificate chaining to <paramref name="clientCaFile"/>; <paramref name="version"/> is <c>-tls1_2</c> or <c>-tls1_3</c>.</summary>
    public static async Task<OpenSslServer> StartAsync(string certificateFile, string keyFile, string clientCaFile, string version)
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        var start = new ProcessStartInfo("openssl")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "s_server", "-accept", $"127.0.0.1:{port}", "-cert", certificateFile, "-key", keyFile,
            "-CAfile", clientCaFile, "-Verify", "1", "-verify_return_error", version, "-quiet" })
        {
            start.ArgumentList.Add(arg);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("openssl did not start");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var check = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                await check.ConnectAsync(endPoint);
                break;
            }
            catch (SocketException) when (deadline.Elapsed < TimeSpan.FromSeconds(10) && !process.HasExited)
            {
                await Task.Delay(20);
            }
        }
        return new OpenSslServer(process, endPoint);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
        }
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
