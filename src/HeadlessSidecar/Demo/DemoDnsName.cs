namespace HeadlessSidecar.Demo;

/// <summary>Conversions between presentation names (<c>a.b.c</c>) and uncompressed wire names (<c>1a1b1c0</c>).</summary>
internal static class DemoDnsName
{
    /// <summary>RFC 1035 §3.1: a wire name, root byte included, never exceeds 255 octets.</summary>
    public const int MaxWireLength = 255;

    public const int MaxLabelLength = 63;

    /// <summary>Every octet of a wire name escaped as <c>\DDD</c>, in the worst case.</summary>
    public const int MaxPresentationLength = 4 * MaxWireLength;

    /// <summary>Encodes one of our own names: plain ASCII labels, no escapes. False if it is not a valid name.</summary>
    public static bool TryToWire(ReadOnlySpan<char> name, Span<byte> destination, out int written)
    {
        written = 0;
        if (name.Length > 0 && name[^1] == '.')
        {
            name = name[..^1];
        }

        while (!name.IsEmpty)
        {
            var dot = name.IndexOf('.');
            var label = dot < 0 ? name : name[..dot];
            if (label.IsEmpty || label.Length > MaxLabelLength || written + 1 + label.Length + 1 > Math.Min(destination.Length, MaxWireLength))
            {
                return false;
            }

            destination[written++] = (byte)label.Length;
            foreach (var c in label)
            {
                if (c is <= ' ' or > '~')
                {
                    return false;
                }

                destination[written++] = (byte)c;
            }

            name = dot < 0 ? [] : name[(dot + 1)..];
        }

        if (written >= destination.Length)
        {
            return false;
        }

        destination[written++] = 0;
        return true;
    }

    /// <summary>
    /// Decodes a wire name for lookup. Octets that cannot appear in our names (a dot inside a label, controls,
    /// anything beyond letters, digits, '-' and '_') become <c>\DDD</c>, so that they can never alias a real name.
    /// </summary>
    public static int ToPresentation(ReadOnlySpan<byte> wire, Span<char> destination)
    {
        var written = 0;
        var position = 0;
        while (position < wire.Length && wire[position] != 0)
        {
            if (written > 0)
            {
                destination[written++] = '.';
            }

            int length = wire[position++];
            foreach (var octet in wire.Slice(position, length))
            {
                if (char.IsAsciiLetterOrDigit((char)octet) || octet is (byte)'-' or (byte)'_')
                {
                    destination[written++] = (char)octet;
                }
                else
                {
                    destination[written++] = '\\';
                    destination[written++] = (char)('0' + (octet / 100));
                    destination[written++] = (char)('0' + (octet / 10 % 10));
                    destination[written++] = (char)('0' + (octet % 10));
                }
            }

            position += length;
        }

        return written;
    }
}
