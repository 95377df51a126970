namespace HeadlessSidecar.IntegrationTests.Sidecar;

/// <summary>
/// Requests with ambiguous or malformed framing, byte for byte, each with the status the sidecar must answer.
/// None of them may reach the pod as a request. The names are the rows of docs/hardening.md's table.
/// </summary>
internal static class HostileRequests
{
    private const string Head = "POST /framing HTTP/1.1\r\nHost: web\r\n";
    private const string Chunks = "5\r\nhello\r\n0\r\n\r\n";

    /// <summary>Name → (request bytes as Latin-1 text, expected status).</summary>
    public static readonly IReadOnlyDictionary<string, (string Request, int Status)> All = new Dictionary<string, (string, int)>
    {
        // Content-Length and Transfer-Encoding together (RFC 9112 6.3: reject or close), eight ways.
        ["cl-then-te"] = (Head + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunks, 400),
        ["te-then-cl"] = (Head + "Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n" + Chunks, 400),
        ["cl-te-lower-case"] = (Head + "content-length: 5\r\ntransfer-encoding: chunked\r\n\r\n" + Chunks, 400),
        ["cl-te-upper-case-coding"] = (Head + "Content-Length: 5\r\nTransfer-Encoding: CHUNKED\r\n\r\n" + Chunks, 400),
        ["cl-twice-te"] = (Head + "Content-Length: 5\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunks, 400),
        ["cl-te-twice"] = (Head + "Content-Length: 5\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunks, 400),
        ["cl-zero-te"] = (Head + "Content-Length: 0\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunks, 400),
        ["cl-te-list"] = (Head + "Content-Length: 5\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" + Chunks, 400),
        ["cl-te-upgrade"] = (Head + "Connection: Upgrade\r\nUpgrade: websocket\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunks, 400),

        // Transfer-Encoding that is obfuscated, repeated, or names a coding we do not implement.
        ["te-xchunked"] = (Head + "Transfer-Encoding: xchunked\r\n\r\n" + Chunks, 400),
        ["te-chunked-identity"] = (Head + "Transfer-Encoding: chunked, identity\r\n\r\n" + Chunks, 400),
        ["te-identity"] = (Head + "Transfer-Encoding: identity\r\n\r\n" + Chunks, 400),
        ["te-vertical-tab-before"] = (Head + "Transfer-Encoding: \u000bchunked\r\n\r\n" + Chunks, 400),
        ["te-vertical-tab-after"] = (Head + "Transfer-Encoding: chunked\u000b\r\n\r\n" + Chunks, 400),
        ["te-twice"] = (Head + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunks, 400),
        ["te-chunked-chunked"] = (Head + "Transfer-Encoding: chunked, chunked\r\n\r\n" + Chunks, 400),
        ["te-empty-element"] = (Head + "Transfer-Encoding: , chunked\r\n\r\n" + Chunks, 400),
        ["te-chunked-parameter"] = (Head + "Transfer-Encoding: chunked;q=1\r\n\r\n" + Chunks, 400),
        ["te-quoted"] = (Head + "Transfer-Encoding: \"chunked\"\r\n\r\n" + Chunks, 400),
        ["te-space-before-colon"] = (Head + "Transfer-Encoding : chunked\r\nContent-Length: 5\r\n\r\nhello", 400),
        ["te-folded"] = (Head + "X-A: a\r\n Transfer-Encoding: chunked\r\n\r\n" + Chunks, 400),
        ["te-http10"] = ("POST /framing HTTP/1.0\r\nHost: web\r\nTransfer-Encoding: chunked\r\n\r\n" + Chunks, 400),
        ["te-gzip-chunked"] = (Head + "Transfer-Encoding: gzip, chunked\r\n\r\n" + Chunks, 501),

        // Bare LF (or CR) where CRLF ends a line.
        ["bare-lf-everywhere"] = ("POST /framing HTTP/1.1\nHost: web\nContent-Length: 5\n\nhello", 400),
        ["bare-lf-request-line"] = ("GET /framing HTTP/1.1\nHost: web\r\n\r\n", 400),
        ["bare-lf-one-header"] = ("GET /framing HTTP/1.1\r\nHost: web\nX-A: b\r\n\r\n", 400),
        ["bare-lf-end-of-head"] = ("GET /framing HTTP/1.1\r\nHost: web\r\n\n", 400),
        ["bare-cr-in-head"] = ("GET /framing HTTP/1.1\r\nHost: web\rX-A: b\r\n\r\n", 400),

        // Header names that are not RFC 9110 tokens, and values with control characters.
        ["name-te-vertical-tab"] = (Head + "Transfer-Encoding\u000b: chunked\r\nContent-Length: 5\r\n\r\nhello", 400),
        ["name-parenthesis"] = (Head + "X(A): b\r\nContent-Length: 5\r\n\r\nhello", 400),
        ["name-at"] = (Head + "X@A: b\r\nContent-Length: 5\r\n\r\nhello", 400),
        ["name-quote"] = (Head + "X\"A: b\r\nContent-Length: 5\r\n\r\nhello", 400),
        ["name-slash"] = (Head + "X/A: b\r\nContent-Length: 5\r\n\r\nhello", 400),
        ["name-nul"] = (Head + "X\0A: b\r\nContent-Length: 5\r\n\r\nhello", 400),
        ["name-del"] = (Head + "X\u007fA: b\r\nContent-Length: 5\r\n\r\nhello", 400),
        ["name-non-ascii"] = (Head + "X\u00e9A: b\r\nContent-Length: 5\r\n\r\nhello", 400),
        ["name-space"] = (Head + "X A: b\r\nContent-Length: 5\r\n\r\nhello", 400),
        ["name-empty"] = (Head + ": b\r\nContent-Length: 5\r\n\r\nhello", 400),
        ["value-vertical-tab"] = (Head + "X-A: a\u000bb\r\nContent-Length: 5\r\n\r\nhello", 400),
        ["value-nul"] = (Head + "X-A: a\0b\r\nContent-Length: 5\r\n\r\nhello", 400),
        ["value-escape"] = (Head + "X-A: a\u001bb\r\nContent-Length: 5\r\n\r\nhello", 400),

        // Chunked bodies the app gets wrong: the client's error, never the pod's.
        ["chunk-extension-bare-lf"] = (Head + "Transfer-Encoding: chunked\r\n\r\n5;a\nhello\r\n0\r\n\r\n", 400),
        ["chunk-extension-bare-cr"] = (Head + "Transfer-Encoding: chunked\r\n\r\n5;a\rb\r\nhello\r\n0\r\n\r\n", 400),
        ["chunk-line-bare-lf"] = (Head + "Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", 400),
        ["chunk-data-bare-lf"] = (Head + "Transfer-Encoding: chunked\r\n\r\n5\r\nhello\n0\r\n\r\n", 400),
        ["chunk-size-overflow"] = (Head + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff1\r\nhello\r\n0\r\n\r\n", 400),
        ["chunk-size-not-hex"] = (Head + "Transfer-Encoding: chunked\r\n\r\n5g\r\nhello\r\n0\r\n\r\n", 400),
        ["chunk-overrun"] = (Head + "Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", 400),
        ["chunk-overrun-idempotent"] = ("PUT /framing HTTP/1.1\r\nHost: web\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", 400),
        ["chunk-extension-bare-lf-idempotent"] = ("PUT /framing HTTP/1.1\r\nHost: web\r\nTransfer-Encoding: chunked\r\n\r\n5;a\nhello\r\n0\r\n\r\n", 400),
    };

    public static TheoryData<string> Names => [.. All.Keys];
}
