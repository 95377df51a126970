using System.Net;
using HeadlessSidecar.Configuration;
using HeadlessSidecar.Limits;
using HeadlessSidecar.Reload;
using Microsoft.AspNetCore.Connections;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// Every proxy listener (the services' <c>Listen</c> addresses and their ordinal ports) as sockets of one mixed
/// <see cref="ListenerGroup"/> that Kestrel serves through three fixed endpoints (HTTP/1.1, HTTP/2, raw). Kestrel binds its
/// endpoints once, at start; the group's sockets change while it runs, which is how a reload adds, hands over and
/// removes listeners without touching the connections other listeners hold.
/// </summary>
internal sealed class ProxyListeners
{
    private readonly ListenerLimiters _limiters;
    private readonly Lock _lock = new();
    // The Listen addresses of the configuration in effect (ordinal ports are OrdinalPortManager's).
    private HashSet<IPEndPoint> _listens = [];

    public ProxyListeners(ListenerGroup group, ListenerLimiters limiters)
    {
        Group = group;
        _limiters = limiters;
    }

    public ListenerGroup Group { get; }

    /// <summary>Start-up: binds every <c>Listen</c> address; a failure names its key (<see cref="ListenerBindException"/>).</summary>
    public async Task BindAsync(SidecarOptions options, CancellationToken cancellationToken)
    {
        foreach (var listen in options.Services.GroupBy(s => s.Listen))
        {
            var first = listen.First();
            try
            {
                await Group.AddAsync(listen.Key, UseOf(first), accept: true, cancellationToken);
            }
            catch (Exception ex) when (BindProblem(first, ex) is { } problem)
            {
                throw new ListenerBindException(problem, ex);
            }
            _listens.Add(listen.Key);
        }
    }

    /// <summary>
    /// A reload, first step: binds the <c>Listen</c> addresses of <paramref name="next"/> that are not bound yet, without
    /// accepting on them. An address bound now is handed over, never bound twice. On a failure the addresses bound here
    /// are closed again and <see cref="ConfigurationApplyException"/> names the key: nothing changed.
    /// </summary>
    /// <returns>The addresses bound here, for <see cref="Commit"/> or <see cref="RollbackAsync"/>.</returns>
    public async Task<IReadOnlyList<IPEndPoint>> PrepareAsync(SidecarOptions next, CancellationToken cancellationToken)
    {
        HashSet<IPEndPoint> current;
        lock (_lock)
        {
            current = [.. _listens];
        }
        var bound = new List<IPEndPoint>();
        foreach (var listen in next.Services.GroupBy(s => s.Listen).Where(g => !current.Contains(g.Key)))
        {
            try
            {
                await Group.AddAsync(listen.Key, use: null, accept: false, cancellationToken);
                bound.Add(listen.Key);
            }
            catch (Exception ex) when (BindProblem(listen.First(), ex) is { } problem)
            {
                await RollbackAsync(bound);
                throw new ConfigurationApplyException([problem]);
            }
            catch
            {
                await RollbackAsync(bound);
                throw;
            }
        }
        return bound;
    }

    /// <summary>Closes the sockets a failed reload bound.</summary>
    public async Task RollbackAsync(IEnumerable<IPEndPoint> bound)
    {
        foreach (var endPoint in bound)
        {
            await Group.RemoveAsync(endPoint);
        }
    }

    /// <summary>
    /// A reload, once its configuration is in place: every <c>Listen</c> address of <paramref name="next"/> serves its
    /// (possibly new) service, protocol and limiter, the new ones start accepting.
    /// </summary>
    /// <returns>The addresses no longer configured: the caller stops them with <see cref="RemoveAsync"/> and drains them.</returns>
    public IReadOnlyList<IPEndPoint> Commit(SidecarOptions next)
    {
        lock (_lock)
        {
            var wanted = next.Services.GroupBy(s => s.Listen).ToList();
            foreach (var listen in wanted)
            {
                Group.Activate(listen.Key, UseOf(listen.First()));
            }
            var gone = _listens.Where(l => !wanted.Any(w => w.Key.Equals(l))).ToList();
            _listens = [.. wanted.Select(w => w.Key)];
            return gone;
        }
    }

    public async Task RemoveAsync(IEnumerable<IPEndPoint> endPoints)
    {
        foreach (var endPoint in endPoints)
        {
            await Group.RemoveAsync(endPoint);
        }
    }

    /// <summary>How a service's sockets (its <c>Listen</c> and its ordinal ports) are served.</summary>
    public SocketUse UseOf(ServiceOptions service) => new(service.Protocol == ServiceProtocol.Http, _limiters.ForListen(service.Listen));

    private static string? BindProblem(ServiceOptions service, Exception ex)
    {
        var key = $"{SidecarOptionsReader.SectionName}:Services:{service.Name}:Listen";
        return ex switch
        {
            AddressInUseException => $"{key}: '{service.Listen}' cannot be bound: the address is already in use",
            IOException or System.Net.Sockets.SocketException => $"{key}: '{service.Listen}' cannot be bound: {(ex.InnerException ?? ex).Message}",
            _ => null,
        };
    }
}
