using System.Threading.Channels;
using Microsoft.AspNetCore.Connections;

namespace HeadlessSidecar.Hosting;

/// <summary>
/// The connections of one role waiting for Kestrel's accept loop. It exists from the group's start, so a connection
/// sorted into a role whose Kestrel endpoint is not bound yet (Kestrel binds the roles one after the other) waits
/// instead of being dropped; once the role is unbound it takes nothing more.
/// </summary>
internal sealed class RoleQueue
{
    private readonly Channel<ConnectionContext> _channel = Channel.CreateUnbounded<ConnectionContext>(
        new UnboundedChannelOptions { SingleWriter = false, SingleReader = false });

    private readonly Lock _sync = new();
    private bool _bound;
    private bool _closed;

    public RoleQueue(ListenerRole role) => Role = role;

    public ListenerRole Role { get; }

    public ChannelReader<ConnectionContext> Reader => _channel.Reader;

    /// <summary>Marks the role as taken by one Kestrel endpoint; a role serves one endpoint, once.</summary>
    public void Bind(string groupName)
    {
        lock (_sync)
        {
            if (_closed)
            {
                throw new InvalidOperationException($"Listener group '{groupName}': the {Role} endpoint was unbound and cannot be bound again.");
            }

            if (_bound)
            {
                throw new InvalidOperationException($"Listener group '{groupName}': the {Role} endpoint is already bound; list a group once per server.");
            }

            _bound = true;
        }
    }

    public bool TryEnqueue(ConnectionContext connection) => _channel.Writer.TryWrite(connection);

    /// <summary>Stops taking connections and returns those nobody accepted, for the caller to close.</summary>
    /// <returns>The connections left in the queue.</returns>
    public List<ConnectionContext> Close()
    {
        lock (_sync)
        {
            _closed = true;
        }

        _channel.Writer.TryComplete();

        var left = new List<ConnectionContext>();
        while (_channel.Reader.TryRead(out var connection))
        {
            left.Add(connection);
        }

        return left;
    }
}
