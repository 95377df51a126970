namespace HeadlessSidecar.Health.Probes;

/// <summary>
/// Redis (RESP2): <c>AUTH</c> when credentials are given, <c>PING</c> answered <c>+PONG</c> is healthy, and
/// <c>ROLE</c> gives the role (<c>master</c> = primary, <c>slave</c>/<c>replica</c> = replica).
/// </summary>
internal sealed class RedisProbe : IProtocolProbe
{
    private const string Protocol = "Redis";

    public static RedisProbe Instance { get; } = new();

    public ValueTask<ProbeResult> ProbeAsync(Stream connection, ProbeCredentials? credentials, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return ProbeExchange.RunAsync(Protocol, ct => ExchangeAsync(connection, credentials, ct), cancellationToken);
    }

    private static async ValueTask<ProbeResult> ExchangeAsync(Stream connection, ProbeCredentials? credentials, CancellationToken cancellationToken)
    {
        var resp = new RespReader(new ProbeReader(connection));
        if (credentials is not null)
        {
            // The default user authenticates with the password alone, which Redis before 6 requires.
            var auth = credentials.User.Length == 0 || credentials.User == "default"
                ? RespReader.EncodeCommand("AUTH", credentials.Password)
                : RespReader.EncodeCommand("AUTH", credentials.User, credentials.Password);
            await SendAsync(connection, auth, cancellationToken);
            var authReply = await resp.ReadAsync(cancellationToken);
            if (authReply.IsError && authReply.Text?.Contains("without any password configured", StringComparison.Ordinal) == true)
            {
                // A server without a password refuses AUTH but serves everyone: PING decides.
            }
            else if (authReply.IsError)
            {
                // Redis's AUTH errors (WRONGPASS, ERR invalid password) never echo the password.
                return ProbeResult.Fail($"{Protocol}: AUTH refused: {Truncate(authReply.Text)}");
            }

            else if (authReply is not { Kind: RespKind.SimpleString, Text: "OK" })
            {
                throw new ProbeProtocolException($"unexpected AUTH reply '{Describe(authReply)}'");
            }
        }

        await SendAsync(connection, RespReader.EncodeCommand("PING"), cancellationToken);
        var ping = await resp.ReadAsync(cancellationToken);
        if (ping.IsError)
        {
            return ping.Text?.StartsWith("NOAUTH", StringComparison.Ordinal) == true
                ? ProbeResult.Fail($"{Protocol}: PING needs authentication (set Health:CredentialsFile): {Truncate(ping.Text)}")
                : ProbeResult.Fail($"{Protocol}: PING answered {Truncate(ping.Text)}");
        }

        if (ping is not { Kind: RespKind.SimpleString, Text: "PONG" })
        {
            throw new ProbeProtocolException($"PING answered '{Describe(ping)}' instead of PONG");
        }

        await SendAsync(connection, RespReader.EncodeCommand("ROLE"), cancellationToken);
        var role = await resp.ReadAsync(cancellationToken);
        if (role.IsError)
        {
            // PING passed: a server that refuses ROLE (an ACL without it, Redis before 2.8.12) is healthy, role unknown.
            return ProbeResult.Pass();
        }

        if (role is not { Kind: RespKind.Array, Items: [{ Kind: RespKind.BulkString or RespKind.SimpleString, Text: { } name }, ..] })
        {
            throw new ProbeProtocolException($"ROLE answered '{Describe(role)}'");
        }

        return ProbeResult.Pass(name switch
        {
            "master" => PodRole.Primary,
            "slave" or "replica" => PodRole.Replica,
            _ => PodRole.Unknown,
        });
    }

    private static async ValueTask SendAsync(Stream connection, byte[] command, CancellationToken cancellationToken)
    {
        await connection.WriteAsync(command, cancellationToken);
        await connection.FlushAsync(cancellationToken);
    }

    // Replies are quoted in failures; a hostile server must not fill the log.
    private static string Describe(RespValue value) => Truncate(value.ToString());

    private static string Truncate(string? text) =>
        text is null ? string.Empty : text.Length <= 200 ? text : text[..200] + "…";
}
