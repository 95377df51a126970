using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using HeadlessSidecar.Injection;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace HeadlessSidecar.Webhook;

/// <summary>
/// <c>POST /inject</c>: one <c>AdmissionReview</c> in, the reviewer's <c>AdmissionReview</c> out. Whatever goes wrong
/// (a body that is not JSON, too large, a reviewer that throws) is answered 200, allowed, with a warning and counted
/// as <c>error</c>: the injector fails open, a pod is never refused because of it.
/// </summary>
internal sealed partial class AdmissionEndpoint(IAdmissionReviewer reviewer, InjectorMetrics metrics, ILogger<AdmissionEndpoint> logger)
{
    /// <summary>A Pod is at most ~1.5 MB (etcd's limit) and an UPDATE review carries it twice; anything larger is not a review.</summary>
    public const long MaxReviewBytes = 8 * 1024 * 1024;

    // Kubernetes shows admission warnings to the user (kubectl prints them); it truncates past 120 characters.
    internal const string NotJsonWarning = "headless-sidecar: sidecar not injected: the injector could not read the request";
    internal const string FailedWarning = "headless-sidecar: sidecar not injected: the injector failed (see its log)";

    // The reader is the API server, not a browser: no need to escape '+' in the base64 patch as \u002B.
    private static readonly JsonWriterOptions s_writerOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public async Task InvokeAsync(HttpContext context)
    {
        if (!HttpMethods.IsPost(context.Request.Method))
        {
            context.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            context.Response.Headers.Allow = "POST";
            return;
        }
        JsonNode? review = null;
        AdmissionOutcome outcome;
        try
        {
            review = await JsonNode.ParseAsync(context.Request.Body, cancellationToken: context.RequestAborted);
            outcome = reviewer.Review(review);
            if (outcome?.Response is null)
            {
                throw new InvalidOperationException("the reviewer returned no response");
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The API server gave up on us (its timeout is 10 s by default): nobody is left to answer.
            return;
        }
        catch (JsonException ex)
        {
            Log.NotJson(logger, ex.LineNumber ?? 0, ex.BytePositionInLine ?? 0);
            outcome = new AdmissionOutcome(FailOpenReview.Create(null, NotJsonWarning), AdmissionResult.Error);
        }
        catch (Exception ex)
        {
            Log.Failed(logger, FailOpenReview.Uid(review) ?? "(none)", ex);
            outcome = new AdmissionOutcome(FailOpenReview.Create(review, review is null ? NotJsonWarning : FailedWarning), AdmissionResult.Error);
        }
        metrics.Answered(outcome.Result);
        Log.Answered(logger, FailOpenReview.Uid(review) ?? "(none)", outcome.Result);

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        await using (var writer = new Utf8JsonWriter(context.Response.BodyWriter, s_writerOptions))
        {
            outcome.Response.WriteTo(writer);
        }
        await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
    }
}
