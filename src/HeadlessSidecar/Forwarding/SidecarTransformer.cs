using System.Net.Http.Headers;
using HeadlessSidecar.Routing;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Forwarder;

namespace HeadlessSidecar.Forwarding;

/// <summary>
/// Contract section 3's rewrites: the routing header never leaves the sidecar; the app's <c>Host</c> goes
/// upstream as sent unless it names the sidecar itself (loopback or localhost), in which case the pod's DNS
/// name and port replace it; every proxied response names its pod in <c>X-Headless-Pod</c>.
/// </summary>
internal sealed class SidecarTransformer : HttpTransformer
{
    public const string PodHeader = "X-Headless-Pod";

    public static readonly SidecarTransformer Instance = new();

    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken);
        proxyRequest.Headers.Remove(RouteResolver.OrdinalHeader);
        var state = httpContext.Features.GetRequiredFeature<ProxyRequestState>();
        // The handler decided it for this attempt, for both forwarders alike.
        proxyRequest.Headers.Host = state.UpstreamHost;
        // YARP builds the URI itself when none is set; the pod's cache spares a parse per request (gRPC: always).
        var request = httpContext.Request;
        if (!request.QueryString.HasValue && request.Path.Value is { } path && state.Pod?.Pool is { } pool &&
            string.Equals(destinationPrefix, pool.DestinationPrefix, StringComparison.Ordinal))
        {
            proxyRequest.RequestUri = pool.RequestUris.Get(path);
        }
    }

    public override ValueTask<bool> TransformResponseAsync(HttpContext httpContext, HttpResponseMessage? proxyResponse, CancellationToken cancellationToken)
    {
        var state = httpContext.Features.GetRequiredFeature<ProxyRequestState>();
        if (proxyResponse is null)
        {
            // No answer (the attempt failed): the handler decides what the app gets.
            return new ValueTask<bool>(false);
        }
        // Headers arrived: Timeouts:PerTry is over for this attempt.
        state.PerTryTimeout?.CancelAfter(Timeout.InfiniteTimeSpan);
        state.HeadersArrived();
        var status = (int)proxyResponse.StatusCode;
        if (state.InterceptRetryableStatus && state.Service.Options.Retry.OnStatus.Contains(status))
        {
            // Held back, not copied: YARP set only the status code, which the handler resets before retrying.
            state.InterceptedStatus = status;
            return new ValueTask<bool>(false);
        }
        if (state.InterceptRetryableGrpcStatus && Grpc.GrpcCall.TrailersOnlyStatus(proxyResponse) is int grpcStatus &&
            state.Service.Options.Retry.OnGrpcStatus.Contains(grpcStatus))
        {
            state.InterceptedGrpcStatus = grpcStatus;
            return new ValueTask<bool>(false);
        }
        if (state.RequestTimeoutUntilHeaders)
        {
            state.StopRequestTimeout();
        }
        httpContext.Response.Headers[PodHeader] = state.Pod!.Name;
        return base.TransformResponseAsync(httpContext, proxyResponse, cancellationToken);
    }
}
