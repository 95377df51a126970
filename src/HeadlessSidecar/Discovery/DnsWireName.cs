using System.Text;

namespace HeadlessSidecar.Discovery;

/// <summary>
/// DNS names on the wire (RFC 1035 §3.1, §4.1.4), read strictly: labels of at most 63 octets, names of at most 255
/// octets uncompressed (root octet included), only the two label types that exist (plain and pointer; 0x40 and 0x80 are
/// reserved and refused, where DnsClient 1.8 follows them as pointers), and every pointer strictly before the previous
/// jump's target, so a crafted message can neither loop nor walk outside itself.
/// </summary>
internal static class DnsWireName
{
    public const int MaxLength = 255;
    public const int MaxLabelLength = 63;

    /// <summary>
    /// Reads the name at <paramref name="offset"/> into <paramref name="destination"/> uncompressed and moves
    /// <paramref name="offset"/> past it (past the first pointer, if any). False for any malformed name.
    /// </summary>
    public static bool TryRead(ReadOnlySpan<byte> message, ref int offset, Span<byte> destination, out int length)
    {
        length = 0;
        var position = offset;
        var bound = offset;
        var resumeAt = -1;
        var room = Math.Min(MaxLength, destination.Length);
        while ((uint)position < (uint)message.Length)
        {
            var octet = message[position];
            switch (octet & 0xC0)
            {
                case 0x00 when octet == 0:
                    if (length + 1 > room)
                    {
                        return false;
                    }
                    destination[length++] = 0;
                    offset = resumeAt >= 0 ? resumeAt : position + 1;
                    return true;
                case 0x00:
                    // The root octet must still fit after this label.
                    if (position + 1 + octet > message.Length || length + 1 + octet + 1 > room)
                    {
                        return false;
                    }
                    message.Slice(position, 1 + octet).CopyTo(destination[length..]);
                    length += 1 + octet;
                    position += 1 + octet;
                    break;
                case 0xC0:
                    if (position + 1 >= message.Length)
                    {
                        return false;
                    }
                    var target = ((octet & 0x3F) << 8) | message[position + 1];
                    if (target >= bound)
                    {
                        return false;
                    }
                    if (resumeAt < 0)
                    {
                        resumeAt = position + 2;
                    }
                    bound = target;
                    position = target;
                    break;
                default:
                    return false;
            }
        }
        return false;
    }

    /// <summary>Skips a name, with the same checks as <see cref="TryRead"/>.</summary>
    public static bool TrySkip(ReadOnlySpan<byte> message, ref int offset)
    {
        Span<byte> scratch = stackalloc byte[MaxLength];
        return TryRead(message, ref offset, scratch, out _);
    }

    /// <summary>
    /// The absolute, lower-case text of an uncompressed wire name (<c>web-0.nginx.default.svc.cluster.local.</c>), or
    /// null unless every label is letters, digits, '-' and '_': the names a cluster serves. Anything else (a dot or a
    /// control octet inside a label, a backslash) could alias another name once printed, or end up in a Host header.
    /// </summary>
    public static string? ToHostName(ReadOnlySpan<byte> wire)
    {
        if (wire.Length == 1 && wire[0] == 0)
        {
            return ".";
        }
        var builder = new StringBuilder(wire.Length);
        var position = 0;
        while (position < wire.Length && wire[position] != 0)
        {
            int length = wire[position++];
            foreach (var octet in wire.Slice(position, length))
            {
                if (!(char.IsAsciiLetterOrDigit((char)octet) || octet is (byte)'-' or (byte)'_'))
                {
                    return null;
                }
                builder.Append(char.ToLowerInvariant((char)octet));
            }
            builder.Append('.');
            position += length;
        }
        return builder.ToString();
    }

    /// <summary>Encodes a name of letters, digits, '-' and '_' (a trailing dot optional). False if it is not one.</summary>
    public static bool TryWrite(ReadOnlySpan<char> name, Span<byte> destination, out int written)
    {
        written = 0;
        if (name.Length > 0 && name[^1] == '.')
        {
            name = name[..^1];
        }
        var room = Math.Min(MaxLength, destination.Length);
        while (!name.IsEmpty)
        {
            var dot = name.IndexOf('.');
            var label = dot < 0 ? name : name[..dot];
            if (label.IsEmpty || label.Length > MaxLabelLength || written + 1 + label.Length + 1 > room)
            {
                return false;
            }
            destination[written++] = (byte)label.Length;
            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
                {
                    return false;
                }
                destination[written++] = (byte)c;
            }
            name = dot < 0 ? [] : name[(dot + 1)..];
        }
        if (written + 1 > room)
        {
            return false;
        }
        destination[written++] = 0;
        return true;
    }

    /// <summary>Two uncompressed wire names, compared as DNS does: ASCII letters without regard to case.</summary>
    public static bool EqualsIgnoreCase(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        if (a.Length != b.Length)
        {
            return false;
        }
        for (var i = 0; i < a.Length; i++)
        {
            if (a[i] != b[i] && ToLower(a[i]) != ToLower(b[i]))
            {
                return false;
            }
        }
        return true;
    }

    private static byte ToLower(byte octet) => octet is >= (byte)'A' and <= (byte)'Z' ? (byte)(octet | 0x20) : octet;
}
