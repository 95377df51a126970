using System.Text;
using Grpc.AspNetCore.Server.Model;
using Grpc.Core;

namespace HeadlessSidecar.GrpcBench;

/// <summary>
/// <c>bench.Pods/Echo</c>, a unary method with hand-made marshallers (no codegen): the request is any payload,
/// the answer the pod's name, so the client can see balancing without a protobuf schema.
/// </summary>
internal sealed class BenchService(PodName pod)
{
    public static readonly Marshaller<byte[]> Bytes = Marshallers.Create(static b => b, static b => b);

    public static readonly Method<byte[], byte[]> Echo = new(MethodType.Unary, "bench.Pods", "Echo", Bytes, Bytes);

    private Task<byte[]> EchoAsync(byte[] request, ServerCallContext context) => Task.FromResult(pod.Utf8);

    /// <summary>Binds the method for Grpc.AspNetCore without generated code.</summary>
    internal sealed class Methods : IServiceMethodProvider<BenchService>
    {
        public void OnServiceMethodDiscovery(ServiceMethodProviderContext<BenchService> context) =>
            context.AddUnaryMethod(Echo, [], static (service, request, call) => service.EchoAsync(request, call));
    }
}

/// <summary>The pod's name, encoded once.</summary>
internal sealed class PodName(string name)
{
    public byte[] Utf8 { get; } = Encoding.UTF8.GetBytes(name);
}
