using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace HeadlessSidecar.Hosting;

public static class ListenerGroupExtensions
{
    /// <summary>Registers the transport that lets Kestrel serve <see cref="ListenerGroup"/>s.</summary>
    /// <param name="services">The app's services.</param>
    /// <returns>The same services.</returns>
    public static IServiceCollection AddListenerGroups(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ListenerGroupOptions>();

        // Kestrel adds its socket transport with TryAddSingleton: had it not run yet, it would see our factory and add
        // none, leaving plain IP endpoints without a transport. Adding it here is a no-op when Kestrel came first.
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionListenerFactory, SocketTransportFactory>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConnectionListenerFactory, ListenerGroupTransportFactory>());
        return services;
    }

    /// <summary>
    /// Creates a group that uses the app's logging, clock, <see cref="ListenerGroupOptions"/> and Kestrel's socket options
    /// (with its memory pool). The caller owns the group and disposes it after the server stopped.
    /// </summary>
    /// <param name="services">The app's services, for example <c>KestrelServerOptions.ApplicationServices</c>.</param>
    /// <param name="name">The group's name, for logs and errors.</param>
    /// <param name="sniffHttp">True to split connections by the HTTP/2 preface; false for raw TCP.</param>
    /// <returns>A group with no socket yet.</returns>
    public static ListenerGroup CreateListenerGroup(this IServiceProvider services, string name, bool sniffHttp)
    {
        ArgumentNullException.ThrowIfNull(services);
        return new ListenerGroup(
            name,
            sniffHttp,
            services.GetService<IOptions<ListenerGroupOptions>>()?.Value ?? new ListenerGroupOptions(),
            services.GetService<IOptions<SocketTransportOptions>>() ?? Options.Create(new SocketTransportOptions()),
            services.GetRequiredService<ILoggerFactory>(),
            services.GetService<TimeProvider>() ?? TimeProvider.System);
    }

    /// <summary>A mixed group (see <see cref="ListenerGroup.CreateMixed"/>) wired to the app's services, like <see cref="CreateListenerGroup"/>.</summary>
    internal static ListenerGroup CreateMixedListenerGroup(this IServiceProvider services, string name) =>
        ListenerGroup.CreateMixed(
            name,
            services.GetService<IOptions<ListenerGroupOptions>>()?.Value ?? new ListenerGroupOptions(),
            services.GetService<IOptions<SocketTransportOptions>>() ?? Options.Create(new SocketTransportOptions()),
            services.GetRequiredService<ILoggerFactory>(),
            services.GetService<TimeProvider>() ?? TimeProvider.System);

    /// <summary>
    /// Serves a sniffing group as two Kestrel endpoints, HTTP/1.1-only and HTTP/2-only (cleartext, prior knowledge),
    /// fed by the group's sniffer. <paramref name="configure"/> applies to both; the protocols are set after it.
    /// </summary>
    /// <param name="options">Kestrel's options.</param>
    /// <param name="group">A group made with <c>sniffHttp: true</c>.</param>
    /// <param name="configure">Extra configuration of both endpoints.</param>
    public static void ListenHttp(this KestrelServerOptions options, ListenerGroup group, Action<ListenOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(group);
        if (!group.SniffHttp)
        {
            throw new ArgumentException($"Listener group '{group.Name}' does not sniff HTTP; serve it with {nameof(ListenRaw)}.", nameof(group));
        }

        options.Listen(new ListenerGroupEndPoint(group, ListenerRole.Http1), listen =>
        {
            configure?.Invoke(listen);
            listen.Protocols = HttpProtocols.Http1;
        });
        options.Listen(new ListenerGroupEndPoint(group, ListenerRole.Http2), listen =>
        {
            configure?.Invoke(listen);
            listen.Protocols = HttpProtocols.Http2;
        });
    }

    /// <summary>
    /// Serves a raw group as one Kestrel endpoint; <paramref name="configure"/> adds its connection handler,
    /// for example <c>listen.UseConnectionHandler&lt;T&gt;()</c>.
    /// </summary>
    /// <param name="options">Kestrel's options.</param>
    /// <param name="group">A group made with <c>sniffHttp: false</c>.</param>
    /// <param name="configure">Configuration of the endpoint.</param>
    public static void ListenRaw(this KestrelServerOptions options, ListenerGroup group, Action<ListenOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(configure);
        if (group.SniffHttp && !group.Mixed)
        {
            throw new ArgumentException($"Listener group '{group.Name}' sniffs HTTP; serve it with {nameof(ListenHttp)}.", nameof(group));
        }

        options.Listen(new ListenerGroupEndPoint(group, ListenerRole.Raw), configure);
    }
}
