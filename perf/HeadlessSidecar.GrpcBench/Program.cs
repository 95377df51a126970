using System.Diagnostics;
using System.Globalization;
using System.Net;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;
using Grpc.Net.Client;
using HeadlessSidecar.GrpcBench;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

// grpc-bench serve ADDRESS PORT NAME
//   a Grpc.AspNetCore pod: h2c only, bench.Pods/Echo answers NAME.
// grpc-bench call URL CONCURRENCY WARMUP_S SECONDS [CONNECTIONS]
//   closed loop: CONCURRENCY calls in flight on one GrpcChannel (CONNECTIONS HTTP/2 connections, default 1),
//   WARMUP_S seconds unmeasured, then SECONDS measured; prints "calls N total N errors N cps X p50_ms X p99_ms X pods a,b,c"
//   (calls: measured; total: every successful call, warm-up included, for CPU per call over the process's whole run).
if (args.Length >= 4 && args[0] == "serve")
{
    return await ServeAsync(IPAddress.Parse(args[1]), int.Parse(args[2], CultureInfo.InvariantCulture), args[3]);
}
if (args.Length >= 5 && args[0] == "call")
{
    var connections = args.Length >= 6 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 1;
    return await CallAsync(new Uri(args[1]), int.Parse(args[2], CultureInfo.InvariantCulture),
        double.Parse(args[3], CultureInfo.InvariantCulture), double.Parse(args[4], CultureInfo.InvariantCulture), connections);
}
await Console.Error.WriteLineAsync("usage: grpc-bench serve ADDRESS PORT NAME | grpc-bench call URL CONCURRENCY WARMUP_S SECONDS [CONNECTIONS]");
return 2;

static async Task<int> ServeAsync(IPAddress address, int port, string name)
{
    var builder = WebApplication.CreateSlimBuilder(args: []);
    builder.Logging.ClearProviders();
    builder.WebHost.ConfigureKestrel(kestrel =>
    {
        kestrel.AddServerHeader = false;
        kestrel.Listen(address, port, listen => listen.Protocols = HttpProtocols.Http2);
    });
    builder.Services.AddGrpc();
    builder.Services.AddSingleton(new PodName(name));
    builder.Services.AddSingleton<IServiceMethodProvider<BenchService>, BenchService.Methods>();
    var app = builder.Build();
    app.MapGrpcService<BenchService>();
    app.MapGet("/", () => name);
    await app.RunAsync();
    return 0;
}

static async Task<int> CallAsync(Uri target, int concurrency, double warmupSeconds, double seconds, int connections)
{
    using var handler = new SocketsHttpHandler
    {
        UseProxy = false,
        EnableMultipleHttp2Connections = connections > 1,
        MaxConnectionsPerServer = connections,
    };
    using var channel = GrpcChannel.ForAddress(target, new GrpcChannelOptions { HttpHandler = handler, DisposeHttpClient = false });
    var invoker = channel.CreateCallInvoker();
    var payload = new byte[16];
    var measuring = 0;
    var stop = 0;
    var latencies = new List<long>[concurrency];
    var errors = new long[concurrency];
    var totals = new long[concurrency];
    var pods = new HashSet<string>[concurrency];
    for (var i = 0; i < concurrency; i++)
    {
        latencies[i] = new List<long>(1 << 16);
        pods[i] = [];
    }

    async Task LoopAsync(int worker)
    {
        while (Volatile.Read(ref stop) == 0)
        {
            var started = Stopwatch.GetTimestamp();
            try
            {
                var answer = await invoker.AsyncUnaryCall(BenchService.Echo, null, new CallOptions(), payload);
                totals[worker]++;
                if (Volatile.Read(ref measuring) == 1)
                {
                    latencies[worker].Add(Stopwatch.GetTimestamp() - started);
                    if (pods[worker].Count < 16)
                    {
                        pods[worker].Add(System.Text.Encoding.UTF8.GetString(answer));
                    }
                }
            }
            catch (RpcException)
            {
                if (Volatile.Read(ref measuring) == 1)
                {
                    errors[worker]++;
                }
            }
        }
    }

    var loops = new Task[concurrency];
    for (var i = 0; i < concurrency; i++)
    {
        var worker = i;
        loops[i] = Task.Run(() => LoopAsync(worker));
    }
    await Task.Delay(TimeSpan.FromSeconds(warmupSeconds));
    Volatile.Write(ref measuring, 1);
    var measureStart = Stopwatch.GetTimestamp();
    await Task.Delay(TimeSpan.FromSeconds(seconds));
    Volatile.Write(ref measuring, 0);
    var elapsed = Stopwatch.GetElapsedTime(measureStart);
    Volatile.Write(ref stop, 1);
    await Task.WhenAll(loops);

    var all = latencies.SelectMany(static l => l).Order().ToArray();
    double Percentile(double p) => all.Length == 0 ? double.NaN
        : all[Math.Min(all.Length - 1, (int)Math.Ceiling(p * all.Length) - 1)] * 1000.0 / Stopwatch.Frequency;
    var seen = pods.SelectMany(static p => p).Distinct().Order(StringComparer.Ordinal);
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"calls {all.Length} total {totals.Sum()} errors {errors.Sum()} cps {all.Length / elapsed.TotalSeconds:F0} p50_ms {Percentile(0.50):F3} p99_ms {Percentile(0.99):F3} pods {string.Join(',', seen)}"));
    return all.Length > 0 ? 0 : 1;
}
