using System.Collections.Concurrent;
using Microsoft.AspNetCore.Http;
using Yarp.ReverseProxy.Forwarder;

namespace HeadlessSidecar.Forwarding;

/// <summary>
/// The upstream request URIs of one pod, by path, for requests without a query string. Left to itself YARP builds
/// and parses a new <see cref="Uri"/> for every request (2–3 % of the CPU of an h2c request in a profile, and
/// garbage); a gRPC client calls a handful of method paths, so nearly every call finds its URI here. A
/// <see cref="Uri"/> is immutable, so one instance serves concurrent requests.
/// </summary>
/// <remarks>Bounded: once <see cref="Capacity"/> paths are known, others are built per request as YARP does (an API
/// with ids in its paths gains nothing, and holds at most <see cref="Capacity"/> entries per pod).</remarks>
internal sealed class RequestUriCache(string destinationPrefix)
{
    public const int Capacity = 256;

    private readonly ConcurrentDictionary<string, Uri> _uris = new(StringComparer.Ordinal);
    private int _count;

    public Uri Get(string path)
    {
        if (_uris.TryGetValue(path, out var uri))
        {
            return uri;
        }
        // The same URI YARP would build (prefix, escaped path), so caching changes nothing on the wire.
        uri = RequestUtilities.MakeDestinationAddress(destinationPrefix, new PathString(path), QueryString.Empty);
        if (Volatile.Read(ref _count) < Capacity && _uris.TryAdd(path, uri))
        {
            Interlocked.Increment(ref _count);
        }
        return uri;
    }
}
