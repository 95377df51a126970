using HeadlessSidecar.Forwarding.Http1;
using static HeadlessSidecar.Fuzz.FuzzPropertyException;

namespace HeadlessSidecar.Fuzz;

/// <summary>
/// What a pod sends back: the response head parser, then (chunked or not) the chunked decoder over what follows, and
/// over the whole input too. Neither may throw; a complete head parses the same without what follows it; the decoder
/// gives the same data, status and bytes consumed however the input is split.
/// </summary>
internal static class Http1ResponseTarget
{
    public static void Run(byte[] input)
    {
        var headers = new Http1HeaderRange[Http1ResponseParser.MaxHeaders];
        var status = Http1ResponseParser.TryParse(input, headers, out var head);
        if (status == Http1ParseStatus.Complete)
        {
            Check(head.Length > 0 && head.Length <= input.Length, "head length inside the input");
            Check(head.HeaderCount <= Http1ResponseParser.MaxHeaders, "header count within the limit");
            var again = Http1ResponseParser.TryParse(input.AsSpan(0, head.Length), headers, out var same);
            Check(again == Http1ParseStatus.Complete && same.Length == head.Length && same.Status == head.Status
                && same.ContentLength == head.ContentLength && same.Chunked == head.Chunked, "a head parses the same without what follows");
            Check(!(head.Chunked && head.ContentLength >= 0), "never both chunked and a length");
            if (head.Chunked)
            {
                CheckSplits(input[head.Length..]);
            }
        }
        else if (status == Http1ParseStatus.Invalid)
        {
            Check(head.Error is not null, "an invalid head says why");
        }
        CheckSplits(input);
    }

    private static void CheckSplits(byte[] body)
    {
        var whole = Decode(body, []);
        var cut = body.Length == 0 ? 0 : body[0] % (body.Length + 1);
        var split = Decode(body, [cut, body.Length / 2]);
        var bytewise = Decode(body, [.. Enumerable.Range(1, Math.Min(body.Length, 64))]);
        foreach (var other in new[] { split, bytewise })
        {
            Check(other.Status == whole.Status && other.Consumed == whole.Consumed && other.Data.SequenceEqual(whole.Data),
                "the chunked decoder answers the same however the input is split");
        }
        Check(whole.Consumed <= body.Length, "the decoder consumes only what it was given");
    }

    private static (List<byte> Data, Http1ParseStatus Status, int Consumed) Decode(byte[] input, int[] cuts)
    {
        var decoder = new Http1ChunkedDecoder();
        var data = new List<byte>();
        var position = 0;
        var status = Http1ParseStatus.Incomplete;
        foreach (var end in cuts.Select(c => Math.Clamp(c, 0, input.Length)).Append(input.Length).Distinct().Order())
        {
            while (position <= end)
            {
                status = decoder.Decode(input.AsSpan(position, end - position), out var consumed, out var offset, out var length);
                Check(consumed >= 0 && position + consumed <= end, "consumed within the piece");
                if (status == Http1ParseStatus.Data)
                {
                    Check(offset >= 0 && length > 0 && offset + length <= consumed, "data inside what was consumed");
                    data.AddRange(input.AsSpan(position + offset, length));
                }
                position += consumed;
                if (status is Http1ParseStatus.Complete or Http1ParseStatus.Invalid)
                {
                    return (data, status, position);
                }
                if (status == Http1ParseStatus.Incomplete)
                {
                    break;
                }
            }
        }
        return (data, status, position);
    }
}
