using System.Text.Json.Nodes;
using HeadlessSidecar.Webhook;

namespace HeadlessSidecar.Tests.Webhook;

public sealed class FailOpenReviewTests
{
    [Fact]
    public void Create_ReadableReview_AnswersItsUidAllowedWithWarning()
    {
        var request = JsonNode.Parse("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002"}}""");

        var response = FailOpenReview.Create(request, "careful");

        Assert.Equal("""{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","response":{"uid":"705ab4f5-6393-11e8-b7cc-42010a800002","allowed":true,"warnings":["careful"]}}""",
            response.ToJsonString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("[1,2]")]
    [InlineData("""{"request":"x"}""")]
    [InlineData("""{"request":{"uid":42}}""")]
    [InlineData("""{"apiVersion":7,"request":{}}""")]
    public void Create_UnreadableReview_EmptyUidStillAllowed(string? json)
    {
        var response = FailOpenReview.Create(json is null ? null : JsonNode.Parse(json), "careful");

        Assert.Equal("admission.k8s.io/v1", response["apiVersion"]!.GetValue<string>());
        Assert.Equal("", response["response"]!["uid"]!.GetValue<string>());
        Assert.True(response["response"]!["allowed"]!.GetValue<bool>());
    }
}
