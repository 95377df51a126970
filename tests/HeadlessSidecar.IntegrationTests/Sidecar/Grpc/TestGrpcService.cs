using System.Text;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace HeadlessSidecar.IntegrationTests.Sidecar.Grpc;

/// <summary>
/// The pods' test service <c>test.Pods</c>, defined with hand-made UTF-8 string marshallers (no codegen):
/// <c>Echo</c> answers the pod's name (or the status the pod was told to fail with), <c>Watch</c> streams
/// <c>count</c> messages <c>interval</c> ms apart (request <c>"count,interval"</c>), <c>Hang</c> waits until
/// cancelled and reports it.
/// </summary>
internal sealed class TestGrpcService(GrpcPodBehaviour behaviour)
{
    private static readonly Marshaller<string> Utf8 = Marshallers.Create(s => Encoding.UTF8.GetBytes(s), b => Encoding.UTF8.GetString(b));

    public static readonly Method<string, string> Echo = new(MethodType.Unary, "test.Pods", "Echo", Utf8, Utf8);
    public static readonly Method<string, string> Watch = new(MethodType.ServerStreaming, "test.Pods", "Watch", Utf8, Utf8);
    public static readonly Method<string, string> Hang = new(MethodType.Unary, "test.Pods", "Hang", Utf8, Utf8);

    private Task<string> EchoAsync(string request, ServerCallContext context)
    {
        behaviour.CallReceived();
        if (behaviour.FailWith is { } code)
        {
            throw new RpcException(new Status(code, $"{behaviour.Name} fails on purpose"));
        }
        return Task.FromResult(behaviour.Name);
    }

    private async Task WatchAsync(string request, IServerStreamWriter<string> responses, ServerCallContext context)
    {
        behaviour.CallReceived();
        var parts = request.Split(',');
        var count = int.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture);
        var interval = TimeSpan.FromMilliseconds(int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
        for (var i = 0; i < count; i++)
        {
            await Task.Delay(interval, context.CancellationToken);
            await responses.WriteAsync($"{behaviour.Name}:{i}", context.CancellationToken);
        }
    }

    private async Task<string> HangAsync(string request, ServerCallContext context)
    {
        behaviour.CallReceived();
        behaviour.HangStarted.TrySetResult();
        try
        {
            await Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            behaviour.HangCancelled.TrySetResult();
            throw;
        }
        return behaviour.Name;
    }

    /// <summary>Binds the methods for Grpc.AspNetCore without generated code.</summary>
    internal sealed class Methods : IServiceMethodProvider<TestGrpcService>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<TestGrpcService> context)
        {
            context.AddUnaryMethod(Echo, [], (service, request, call) => service.EchoAsync(request, call));
            context.AddServerStreamingMethod(Watch, [], (service, request, responses, call) => service.WatchAsync(request, responses, call));
            context.AddUnaryMethod(Hang, [], (service, request, call) => service.HangAsync(request, call));
        }
    }
}
