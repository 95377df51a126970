using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace HeadlessSidecar.Forwarding;

/// <summary>
/// A request's header fields copied into a pooled array, to walk them without allocating: enumerating
/// <see cref="IHeaderDictionary"/> boxes an enumerator per request (Kestrel's struct enumerator is on its internal
/// type), while its <c>CopyTo</c> writes the fields out as they are. Dispose returns the array, cleared.
/// </summary>
internal readonly struct PooledHeaderFields : IDisposable
{
    private readonly KeyValuePair<string, StringValues>[] _fields;
    private readonly int _count;

    public PooledHeaderFields(IHeaderDictionary headers)
    {
        _count = headers.Count;
        _fields = ArrayPool<KeyValuePair<string, StringValues>>.Shared.Rent(_count);
        headers.CopyTo(_fields, 0);
    }

    public ReadOnlySpan<KeyValuePair<string, StringValues>> Fields => _fields.AsSpan(0, _count);

    // Cleared: the pool must not keep a request's strings alive.
    public void Dispose() => ArrayPool<KeyValuePair<string, StringValues>>.Shared.Return(_fields, clearArray: true);
}
