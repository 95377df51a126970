using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using HeadlessSidecar.Forwarding;
using HeadlessSidecar.Forwarding.Http1;
using Microsoft.AspNetCore.Http;

namespace HeadlessSidecar.Benchmarks;

/// <summary>
/// The lean HTTP/1.1 forwarder's own per-request work: the inbound framing check, writing the upstream request
/// head from the app's headers, parsing the pod's response head, and decoding a chunked body. Sockets and Kestrel
/// are not measured.
/// </summary>
[MemoryDiagnoser]
public class Http1Benchmarks
{
    private static readonly byte[] NginxHead = Encoding.ASCII.GetBytes(
        "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Mon, 23 Nov 2026 14:00:00 GMT\r\nContent-Type: text/plain\r\n" +
        "Content-Length: 6\r\nConnection: keep-alive\r\n\r\nweb-0\n");

    private static readonly byte[] Chunked = Encoding.ASCII.GetBytes("6\r\nweb-0\n\r\n0\r\n\r\n");

    private readonly Http1HeaderRange[] _headers = new Http1HeaderRange[Http1ResponseParser.MaxHeaders];
    private readonly ArrayBufferWriter<byte> _output = new(4096);
    private HeaderDictionary _requestHeaders = null!;
    private HttpRequest _request = null!;

    [GlobalSetup]
    public void Setup()
    {
        // What curl or an HTTP client library sends, plus the routing header the writer must drop.
        _requestHeaders = new HeaderDictionary
        {
            ["Host"] = "127.0.0.1:18001",
            ["User-Agent"] = "curl/7.88.1",
            ["Accept"] = "*/*",
            ["X-Request-Id"] = "5f2b8c1e-7d4a-4c55-9a0e-2f5d1b3c4a6e",
            ["X-Headless-Ordinal"] = "1",
            ["Connection"] = "keep-alive",
        };
        var context = new DefaultHttpContext();
        context.Request.Protocol = "HTTP/1.1";
        context.Request.Method = "GET";
        foreach (var (name, value) in _requestHeaders)
        {
            context.Request.Headers[name] = value;
        }
        _request = context.Request;
    }

    [Benchmark]
    public bool CheckRequestFraming() => RequestFraming.Check(_request) is null;

    [Benchmark]
    public int ParseResponseHead()
    {
        var status = Http1ResponseParser.TryParse(NginxHead, _headers, out var head);
        return status == Http1ParseStatus.Complete ? head.Length : -1;
    }

    [Benchmark]
    public int WriteRequestHead()
    {
        _output.ResetWrittenCount();
        Http1RequestWriter.WriteHead(_output, "GET", "/api/items?page=2", "web-1.nginx-headless.default.svc.cluster.local:8080",
            _requestHeaders, Http1BodyFraming.None);
        return _output.WrittenCount;
    }

    [Benchmark]
    public int DecodeChunkedBody()
    {
        var decoder = new Http1ChunkedDecoder();
        var input = Chunked.AsSpan();
        var data = 0;
        while (!decoder.IsDone && !input.IsEmpty)
        {
            if (decoder.Decode(input, out var consumed, out _, out var length) == Http1ParseStatus.Invalid)
            {
                return -1;
            }
            data += length;
            input = input[consumed..];
        }
        return data;
    }
}
