using System.Text;

namespace HeadlessSidecar.Health.Probes;

/// <summary>
/// The <c>user:password</c> a probe logs in with, read from <c>Health:CredentialsFile</c> (a mounted Secret).
/// <see cref="ToString"/> redacts the password so it cannot reach a log by accident.
/// </summary>
internal sealed record ProbeCredentials(string User, string Password)
{
    // A Secret holding a user and a password is tiny; a larger file is a mistake, not something to read.
    internal const int MaxFileBytes = 4096;

    /// <summary>
    /// Reads <paramref name="path"/>: <c>user:password</c> (split at the first colon; one trailing newline is
    /// ignored). Returns <see langword="null"/> for an empty file. Errors never quote the file's content.
    /// </summary>
    public static ProbeCredentials? Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, bufferSize: 1);
        if (file.Length > MaxFileBytes)
        {
            throw new InvalidDataException($"Credentials file '{path}' is larger than {MaxFileBytes} bytes.");
        }

        var bytes = new byte[MaxFileBytes + 1];
        var length = 0;
        int read;
        while ((read = file.Read(bytes, length, bytes.Length - length)) > 0)
        {
            length += read;
            if (length > MaxFileBytes)
            {
                throw new InvalidDataException($"Credentials file '{path}' is larger than {MaxFileBytes} bytes.");
            }
        }

        return Parse(bytes.AsSpan(0, length), path);
    }

    internal static ProbeCredentials? Parse(ReadOnlySpan<byte> content, string source)
    {
        if (content.EndsWith("\r\n"u8))
        {
            content = content[..^2];
        }
        else if (content.EndsWith("\n"u8))
        {
            content = content[..^1];
        }

        if (content.IsEmpty)
        {
            return null;
        }

        string text;
        try
        {
            text = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true).GetString(content);
        }
        catch (DecoderFallbackException)
        {
            throw new InvalidDataException($"Credentials file '{source}' is not UTF-8.");
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon < 0)
        {
            throw new InvalidDataException($"Credentials file '{source}' must hold 'user:password'.");
        }

        return new ProbeCredentials(text[..colon], text[(colon + 1)..]);
    }

    public override string ToString() => $"ProbeCredentials {{ User = {User}, Password = *** }}";
}
