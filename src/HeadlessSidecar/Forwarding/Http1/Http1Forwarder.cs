using System.Text;
using System.Buffers;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using HeadlessSidecar.Connections;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;
using Yarp.ReverseProxy.Forwarder;

namespace HeadlessSidecar.Forwarding.Http1;

/// <summary>
/// The lean path for plain HTTP/1.1 exchanges: writes the request head itself on a pooled connection of the
/// pod, parses the response head strictly (<see cref="Http1ResponseParser"/>) and streams the body to the app
/// with backpressure. Failures come back as YARP's <see cref="ForwarderError"/> with the exception behind them,
/// so the handler's attempt loop classifies both forwarders alike. Upgrades, CONNECT and h2c go through YARP.
/// </summary>
internal static class Http1Forwarder
{
    private const int BodyChunkBytes = 16 * 1024;
    private const int MaxInterimResponses = 16;

    /// <summary>Forwards one attempt to the pod behind <paramref name="pool"/> with <c>Host: <paramref name="host"/></c>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    public static async ValueTask<Http1ForwardResult> SendAsync(HttpContext context, PodConnectionPool pool, string host,
        ProxyRequestState state, CancellationToken cancellationToken)
    {
        // A bodiless request skips the liveness check (a poll(2) per request): if the pod closed the idle
        // connection, the request is simply sent again on a new one below.
        var bodiless = Framing(context) == Http1BodyFraming.None;
        var retryingStale = false;
        while (true)
        {
            Http1Connection connection;
            try
            {
                connection = await pool.RentHttp1Async(allowIdle: !retryingStale, cancellationToken, checkIdleAlive: !bodiless);
            }
            catch (Exception ex)
            {
                // A SocketException (refused, unreachable) or TimeoutException (Timeouts:Connect): nothing was sent.
                return Failed(context, ForwarderError.Request, ex, headCopied: false, cancellationToken);
            }
            var reusable = false;
            var headCopied = false;
            try
            {
                await SendRequestAsync(connection, context, host, cancellationToken);
                var head = await ReadHeadAsync(connection, cancellationToken);
                // Headers arrived: Timeouts:PerTry is over for this attempt.
                state.PerTryTimeout?.CancelAfter(Timeout.InfiniteTimeSpan);
                state.HeadersArrived();
                var noBody = HttpMethods.IsHead(context.Request.Method) || head.Status is 204 or 304;
                var keepAlive = head.MinorVersion >= 1 && !head.ConnectionClose;
                if (state.InterceptRetryableStatus && state.Service.Options.Retry.OnStatus.Contains(head.Status))
                {
                    // Held back for a retry: nothing reaches the app. The connection is kept only when the whole
                    // (small) answer is already buffered.
                    state.InterceptedStatus = head.Status;
                    var rest = connection.Buffered - head.Length;
                    reusable = keepAlive && (noBody ? rest == 0 : !head.Chunked && head.ContentLength == rest);
                    return Http1ForwardResult.Success;
                }
                CopyHead(context, connection, head, noBody, state.Pod!.Name);
                headCopied = true;
                connection.Start += head.Length;
                var complete = noBody
                    ? connection.Buffered == 0
                    : await CopyBodyAsync(context.Response.BodyWriter, connection, head, cancellationToken);
                reusable = complete && keepAlive;
                return Http1ForwardResult.Success;
            }
            catch (Http1ForwardFailure failure) when (failure.NothingReceived && connection.Reused && !retryingStale &&
                !cancellationToken.IsCancellationRequested && bodiless)
            {
                // The pod closed this kept-alive connection as we reused it (a race no liveness check closes):
                // nothing was answered and no body was read, so the request goes again on a new connection.
                retryingStale = true;
            }
            catch (Http1ForwardFailure failure)
            {
                return Failed(context, failure.Error, failure.InnerException!, headCopied, cancellationToken);
            }
            catch (Exception ex)
            {
                return Failed(context, ForwarderError.Request, ex, headCopied, cancellationToken);
            }
            finally
            {
                if (reusable)
                {
                    pool.ReturnHttp1(connection);
                }
                else
                {
                    pool.CloseHttp1(connection);
                }
            }
        }
    }

    private static Http1ForwardResult Failed(HttpContext context, ForwarderError error, Exception exception, bool headCopied, CancellationToken cancellationToken)
    {
        // A timeout while the app's body was read stays the app's failure: the handler answers it, not the pod.
        if (error != ForwarderError.RequestBodyClient && (cancellationToken.IsCancellationRequested || exception is OperationCanceledException))
        {
            error = context.RequestAborted.IsCancellationRequested ? ForwarderError.RequestCanceled : ForwarderError.RequestTimedOut;
        }
        if (headCopied && !context.Response.HasStarted)
        {
            // Nothing reached the app yet: a retry or the error answer starts from a clean response.
            context.Response.Clear();
        }
        return new Http1ForwardResult(error, exception);
    }

    internal static Http1BodyFraming Framing(HttpContext context)
    {
        if (context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody != true)
        {
            return Http1BodyFraming.None;
        }
        return context.Request.ContentLength switch
        {
            0 => Http1BodyFraming.None,
            long => Http1BodyFraming.ContentLength,
            null => Http1BodyFraming.Chunked,
        };
    }

    /// <summary>Sends the head, then the body (a Content-Length body exactly, one without length chunked).</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask SendRequestAsync(Http1Connection connection, HttpContext context, string host, CancellationToken cancellationToken)
    {
        var request = context.Request;
        var framing = Framing(context);
        var output = connection.Output;
        output.ResetWrittenCount();
        var rawTarget = context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? request.Path.Value ?? "/";
        Http1RequestWriter.WriteHead(output, request.Method, rawTarget, host, request.Headers, framing);
        if (framing == Http1BodyFraming.None)
        {
            await WriteUpstreamAsync(connection, output, ForwarderError.Request, cancellationToken, nothingReceived: true);
            return;
        }
        var remaining = framing == Http1BodyFraming.ContentLength ? request.ContentLength!.Value : long.MaxValue;
        var scratch = ArrayPool<byte>.Shared.Rent(BodyChunkBytes);
        try
        {
            // The head goes out with the first piece of the body; each later piece goes as soon as it is read.
            var stage = ForwarderError.Request;
            while (remaining > 0)
            {
                int read;
                try
                {
                    read = await request.Body.ReadAsync(scratch.AsMemory(0, (int)Math.Min(scratch.Length, remaining)), cancellationToken);
                }
                catch (Exception ex)
                {
                    throw new Http1ForwardFailure(ForwarderError.RequestBodyClient, ex);
                }
                if (read == 0)
                {
                    if (framing == Http1BodyFraming.ContentLength)
                    {
                        throw new Http1ForwardFailure(ForwarderError.RequestBodyClient, new IOException("the app's request body ended before its Content-Length"));
                    }
                    break;
                }
                remaining -= read;
                if (framing == Http1BodyFraming.Chunked)
                {
                    WriteChunkSize(output, read);
                    output.Write(scratch.AsSpan(0, read));
                    output.Write("\r\n"u8);
                }
                else
                {
                    output.Write(scratch.AsSpan(0, read));
                }
                await WriteUpstreamAsync(connection, output, stage, cancellationToken);
                stage = ForwarderError.RequestBodyDestination;
            }
            if (framing == Http1BodyFraming.Chunked)
            {
                output.Write("0\r\n\r\n"u8);
                await WriteUpstreamAsync(connection, output, stage, cancellationToken);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch);
        }
    }

    private static void WriteChunkSize(ArrayBufferWriter<byte> output, int size)
    {
        var span = output.GetSpan(10);
        size.TryFormat(span, out var written, "X", null);
        span[written++] = (byte)'\r';
        span[written++] = (byte)'\n';
        output.Advance(written);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask WriteUpstreamAsync(Http1Connection connection, ArrayBufferWriter<byte> output, ForwarderError stage,
        CancellationToken cancellationToken, bool nothingReceived = false)
    {
        try
        {
            await connection.Stream.WriteAsync(output.WrittenMemory, cancellationToken);
        }
        catch (Exception ex)
        {
            throw new Http1ForwardFailure(stage, ex) { NothingReceived = nothingReceived };
        }
        output.ResetWrittenCount();
    }

    /// <summary>Reads until a final (non-1xx) response head is buffered; its ranges are relative to <see cref="Http1Connection.Start"/>.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<Http1ResponseHead> ReadHeadAsync(Http1Connection connection, CancellationToken cancellationToken)
    {
        var interim = 0;
        while (true)
        {
            var status = Http1ResponseParser.TryParse(connection.Buffer.AsSpan(connection.Start, connection.Buffered), connection.Headers, out var head);
            if (status == Http1ParseStatus.Complete)
            {
                if (head.Status >= 200)
                {
                    return head;
                }
                if (head.Status == 101 || ++interim > MaxInterimResponses)
                {
                    throw Http1ForwardFailure.InvalidResponse(ForwarderError.Request, head.Status == 101 ? "101 to a request without Upgrade" : "too many interim responses");
                }
                connection.Start += head.Length;
                continue;
            }
            if (status == Http1ParseStatus.Invalid)
            {
                throw Http1ForwardFailure.InvalidResponse(ForwarderError.Request, head.Error!);
            }
            connection.MakeRoom(Http1ResponseParser.MaxHeadBytes + 1);
            var nothingReceived = interim == 0 && connection.Buffered == 0;
            bool more;
            try
            {
                more = await FillAsync(connection, ForwarderError.Request, cancellationToken);
            }
            catch (Http1ForwardFailure failure) when (nothingReceived)
            {
                throw new Http1ForwardFailure(failure.Error, failure.InnerException!) { NothingReceived = true };
            }
            if (!more)
            {
                var ended = Http1ForwardFailure.Ended(ForwarderError.Request, "the pod closed the connection before a complete response head");
                ended.NothingReceived = nothingReceived;
                throw ended;
            }
        }
    }

    /// <summary>Reads more bytes after the buffered ones; false at the end of the stream.</summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<bool> FillAsync(Http1Connection connection, ForwarderError stage, CancellationToken cancellationToken)
    {
        if (connection.Buffered == 0)
        {
            connection.Start = 0;
            connection.End = 0;
        }
        int read;
        try
        {
            read = await connection.Stream.ReadAsync(connection.Buffer.AsMemory(connection.End), cancellationToken);
        }
        catch (Exception ex)
        {
            throw new Http1ForwardFailure(stage, ex);
        }
        connection.End += read;
        return read > 0;
    }

    private static void CopyHead(HttpContext context, Http1Connection connection, in Http1ResponseHead head, bool noBody, string podName)
    {
        var response = context.Response;
        response.StatusCode = head.Status;
        var headers = response.Headers;
        var buffer = connection.Buffer.AsSpan(connection.Start, head.Length);
        for (var i = 0; i < head.HeaderCount; i++)
        {
            var range = connection.Headers[i];
            var name = buffer.Slice(range.NameStart, range.NameLength);
            if (IsHopByHopOrFraming(name) || head.ConnectionListsHeaders && IsListedInConnection(buffer, connection.Headers.AsSpan(0, head.HeaderCount), name))
            {
                continue;
            }
            var key = Http1KnownHeaders.Get(name);
            var value = Http1Syntax.Latin1(buffer.Slice(range.ValueStart, range.ValueLength));
            headers[key] = headers.TryGetValue(key, out var existing) ? StringValues.Concat(existing, value) : new StringValues(value);
        }
        if (head.ContentLength >= 0 && (!noBody || head.Status != 204))
        {
            response.ContentLength = head.ContentLength;
        }
        headers[SidecarTransformer.PodHeader] = podName;
    }

    /// <summary>Headers that describe this hop or its framing: Kestrel frames the body for the app itself.</summary>
    private static bool IsHopByHopOrFraming(ReadOnlySpan<byte> name) => name.Length switch
    {
        2 => Ascii.EqualsIgnoreCase(name, "TE"u8),
        7 => Ascii.EqualsIgnoreCase(name, "Upgrade"u8) || Ascii.EqualsIgnoreCase(name, "Trailer"u8),
        10 => Ascii.EqualsIgnoreCase(name, "Connection"u8) || Ascii.EqualsIgnoreCase(name, "Keep-Alive"u8),
        14 => Ascii.EqualsIgnoreCase(name, "Content-Length"u8),
        16 => Ascii.EqualsIgnoreCase(name, "Proxy-Connection"u8),
        17 => Ascii.EqualsIgnoreCase(name, "Transfer-Encoding"u8),
        _ => false,
    };

    private static bool IsListedInConnection(ReadOnlySpan<byte> buffer, ReadOnlySpan<Http1HeaderRange> headers, ReadOnlySpan<byte> name)
    {
        foreach (var range in headers)
        {
            if (!Ascii.EqualsIgnoreCase(buffer.Slice(range.NameStart, range.NameLength), "Connection"u8))
            {
                continue;
            }
            var value = buffer.Slice(range.ValueStart, range.ValueLength);
            foreach (var token in value.Split((byte)','))
            {
                if (Ascii.EqualsIgnoreCase(Http1Syntax.TrimWhitespace(value[token]), name))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /// <summary>
    /// Streams the body to the app: bytes are written as they are parsed and flushed before waiting on the pod
    /// again and at the end, so a slow app slows the copy (backpressure) and a small answer goes out in one piece. True when
    /// the body ended by its framing with nothing after it (the connection can serve another request).
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private static async ValueTask<bool> CopyBodyAsync(PipeWriter writer, Http1Connection connection, Http1ResponseHead head, CancellationToken cancellationToken)
    {
        var unflushed = false;
        if (head.Chunked)
        {
            var decoder = new Http1ChunkedDecoder();
            while (true)
            {
                if (connection.Buffered == 0)
                {
                    await FlushAsync(writer, unflushed, cancellationToken);
                    unflushed = false;
                    if (!await FillAsync(connection, ForwarderError.ResponseBodyDestination, cancellationToken))
                    {
                        throw Http1ForwardFailure.Ended(ForwarderError.ResponseBodyDestination, "the pod closed the connection before the last chunk");
                    }
                }
                var status = decoder.Decode(connection.Buffer.AsSpan(connection.Start, connection.Buffered), out var consumed, out var offset, out var length);
                if (status == Http1ParseStatus.Invalid)
                {
                    throw Http1ForwardFailure.InvalidResponse(ForwarderError.ResponseBodyDestination, "invalid chunked framing");
                }
                if (status == Http1ParseStatus.Data)
                {
                    Write(writer, connection.Buffer.AsSpan(connection.Start + offset, length));
                    unflushed = true;
                }
                connection.Start += consumed;
                if (status == Http1ParseStatus.Complete)
                {
                    await FlushAsync(writer, unflushed, cancellationToken);
                    return connection.Buffered == 0;
                }
            }
        }
        if (head.ContentLength >= 0)
        {
            var remaining = head.ContentLength;
            while (remaining > 0)
            {
                if (connection.Buffered == 0)
                {
                    await FlushAsync(writer, unflushed, cancellationToken);
                    unflushed = false;
                    if (!await FillAsync(connection, ForwarderError.ResponseBodyDestination, cancellationToken))
                    {
                        throw Http1ForwardFailure.Ended(ForwarderError.ResponseBodyDestination, "the pod closed the connection before the end of the body (Content-Length)");
                    }
                }
                var take = (int)Math.Min(remaining, connection.Buffered);
                Write(writer, connection.Buffer.AsSpan(connection.Start, take));
                unflushed = true;
                connection.Start += take;
                remaining -= take;
            }
            // The answer goes to the app now, not after the handler's bookkeeping (one write either way).
            await FlushAsync(writer, unflushed, cancellationToken);
            return connection.Buffered == 0;
        }
        // Neither length nor chunked: the body ends when the pod closes the connection, which is then spent.
        while (true)
        {
            if (connection.Buffered > 0)
            {
                Write(writer, connection.Buffer.AsSpan(connection.Start, connection.Buffered));
                connection.Start = connection.End;
                unflushed = true;
            }
            await FlushAsync(writer, unflushed, cancellationToken);
            unflushed = false;
            if (!await FillAsync(connection, ForwarderError.ResponseBodyDestination, cancellationToken))
            {
                return false;
            }
        }
    }

    private static void Write(PipeWriter writer, ReadOnlySpan<byte> bytes)
    {
        try
        {
            writer.Write(bytes);
        }
        catch (Exception ex)
        {
            throw new Http1ForwardFailure(ForwarderError.ResponseBodyClient, ex);
        }
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    private static async ValueTask FlushAsync(PipeWriter writer, bool unflushed, CancellationToken cancellationToken)
    {
        if (!unflushed)
        {
            return;
        }
        FlushResult result;
        try
        {
            result = await writer.FlushAsync(cancellationToken);
        }
        catch (Exception ex)
        {
            throw new Http1ForwardFailure(ForwarderError.ResponseBodyClient, ex);
        }
        if (result.IsCanceled || result.IsCompleted)
        {
            throw new Http1ForwardFailure(ForwarderError.ResponseBodyClient, new IOException("the app's connection closed"));
        }
    }
}
