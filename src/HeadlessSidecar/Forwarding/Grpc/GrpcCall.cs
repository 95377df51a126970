using HeadlessSidecar.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Yarp.ReverseProxy.Forwarder;

namespace HeadlessSidecar.Forwarding.Grpc;

/// <summary>How the proxy treats a gRPC call differently from a plain request (contract sections 2 and 4).</summary>
internal static class GrpcCall
{
    // YARP's idle backstop, for streams: under int.MaxValue milliseconds, the most its timer takes.
    private static readonly TimeSpan StreamActivityTimeout = TimeSpan.FromDays(24);

    /// <summary>
    /// Prepares a call: returns its <c>grpc-timeout</c> when it has one; otherwise marks the request timer to stop at
    /// the response headers. Either way the call may stream slowly or sit idle as long as its deadline allows.
    /// </summary>
    public static TimeSpan? Begin(HttpContext context, ProxyRequestState state)
    {
        // Kestrel's minimum request body rate would cut a client stream that sends rarely (gRPC servers turn it off too).
        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } rate)
        {
            rate.MinDataRate = null;
        }
        if (context.Request.Headers.TryGetValue(GrpcRequest.TimeoutHeader, out var values) &&
            GrpcRequest.TryParseTimeout(values.ToString(), out var deadline))
        {
            return deadline;
        }
        state.RequestTimeoutUntilHeaders = true;
        return null;
    }

    /// <summary>The service's forwarder settings for gRPC calls: no idle cut of a long stream.</summary>
    public static ForwarderRequestConfig ForwarderConfig(ForwarderRequestConfig plain) => plain with { ActivityTimeout = StreamActivityTimeout };

    /// <summary>
    /// The <c>grpc-status</c> of a Trailers-Only answer (status in the response headers, the stream ended with
    /// them), or null for an answer that carries messages.
    /// </summary>
    public static int? TrailersOnlyStatus(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues(GrpcErrorResponder.StatusHeader, out var values))
        {
            return null;
        }
        foreach (var value in values)
        {
            return int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code) ? code : null;
        }
        return null;
    }

    /// <summary>A held-back gRPC status, as <c>headless_sidecar_failovers_total{reason}</c> names it.</summary>
    public static AttemptFailure Failure(int status) =>
        new($"grpc_{GrpcStatusCode.Name(status).ToLowerInvariant()}", RequestSent: true, $"answered grpc-status {GrpcStatusCode.Name(status)}");
}
