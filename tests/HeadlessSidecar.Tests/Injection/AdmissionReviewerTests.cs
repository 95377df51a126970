using System.Text;
using System.Text.Json.Nodes;
using HeadlessSidecar.Injection;

namespace HeadlessSidecar.Tests.Injection;

/// <summary>The webhook's reviewer: the same engine as inject, as a JSON Patch, failing open.</summary>
public sealed class AdmissionReviewerTests
{
    public static TheoryData<string> Cases => InjectionTestData.Cases();

    private static AdmissionReviewer Reviewer(InjectorDefaults? defaults = null) =>
        new(new InjectionEngine(defaults ?? new InjectorDefaults(), InjectionTestData.Version));

    private static JsonObject ReviewOf(JsonObject pod, string uid = "705ab4f5-6393-11e8-b7cc-42010a800002", string operation = "CREATE") => new()
    {
        ["apiVersion"] = "admission.k8s.io/v1",
        ["kind"] = "AdmissionReview",
        ["request"] = new JsonObject
        {
            ["uid"] = uid,
            ["kind"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["kind"] = "Pod" },
            ["resource"] = new JsonObject { ["group"] = "", ["version"] = "v1", ["resource"] = "pods" },
            ["namespace"] = "default",
            ["operation"] = operation,
            ["object"] = pod,
        },
    };

    private static JsonObject Pod(string yaml) => InjectionTestData.Meaning(yaml)[0]!.DeepClone().AsObject();

    private static JsonArray? PatchOf(AdmissionOutcome outcome)
    {
        var response = outcome.Response["response"]!.AsObject();
        if (response["patch"] is null)
        {
            Assert.Null(response["patchType"]);
            return null;
        }
        Assert.Equal("JSONPatch", response["patchType"]!.GetValue<string>());
        return JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(response["patch"]!.GetValue<string>())))!.AsArray();
    }

    private const string BarePod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: client
          namespace: default
        spec:
          containers:
          - name: app
            image: app:1
        """;

    [Fact]
    public void Review_PodWithoutAnnotations_PatchCreatesInitContainersAndAnnotationsAndEscapesSlashes()
    {
        var outcome = Reviewer().Review(ReviewOf(Pod(BarePod)));

        Assert.Equal(AdmissionResult.Injected, outcome.Result);
        var response = outcome.Response["response"]!.AsObject();
        Assert.Equal("admission.k8s.io/v1", outcome.Response["apiVersion"]!.GetValue<string>());
        Assert.Equal("AdmissionReview", outcome.Response["kind"]!.GetValue<string>());
        Assert.Equal("705ab4f5-6393-11e8-b7cc-42010a800002", response["uid"]!.GetValue<string>());
        Assert.True(response["allowed"]!.GetValue<bool>());
        var paths = PatchOf(outcome)!.Select(o => o!["path"]!.GetValue<string>()).ToList();
        Assert.Contains("/metadata/annotations", paths);
        Assert.Contains("/metadata/annotations/headless-sidecar.io~1status", paths);
        Assert.Contains("/metadata/annotations/kubectl.kubernetes.io~1default-container", paths);
        Assert.Contains("/spec/initContainers", paths);
        Assert.Contains("/spec/volumes", paths);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Review_EveryPodTemplateOfTheGoldenInputs_PatchAppliedEqualsInjectOutput(string name)
    {
        // Each pod template of the input, sent as a Pod: the patched pod must be the template inject wrote.
        var input = InjectionTestData.Input(name);
        var defaults = InjectionTestData.Defaults(input);
        var before = InjectionTestData.Meaning(input);
        var after = InjectionTestData.Meaning(InjectionTestData.InjectOk(input, defaults));
        var reviewer = Reviewer(defaults);
        var checkedTemplates = 0;
        for (var i = 0; i < before.Count; i++)
        {
            foreach (var (original, injected) in Templates(before[i]).Zip(Templates(after[i])))
            {
                var pod = original.DeepClone().AsObject();
                var outcome = reviewer.Review(ReviewOf(pod));
                Assert.NotEqual(AdmissionResult.Error, outcome.Result);
                var patch = PatchOf(outcome);
                var patched = patch is null ? pod : JsonPatchTestApplier.Apply(pod, patch);
                InjectionTestData.AssertSameMeaning(injected, patched);
                Assert.Equal(patch is null ? AdmissionResult.Skipped : AdmissionResult.Injected, outcome.Result);
                checkedTemplates++;
            }
        }
        if (!name.StartsWith("crd", StringComparison.Ordinal))
        {
            Assert.True(checkedTemplates > 0);
        }
    }

    [Fact]
    public void Review_AlreadyInjectedIdentically_SkippedWithoutPatch()
    {
        var injected = InjectionTestData.InjectOk(BarePod, new InjectorDefaults());
        var outcome = Reviewer().Review(ReviewOf(Pod(injected)));
        Assert.Equal(AdmissionResult.Skipped, outcome.Result);
        Assert.Null(PatchOf(outcome));
    }

    [Fact]
    public void Review_InjectedWithOtherOptions_PatchReplacesTheEarlierInjection()
    {
        var injected = Pod(InjectionTestData.InjectOk(BarePod, new InjectorDefaults { Mode = InjectionMode.Classic }));
        var outcome = Reviewer().Review(ReviewOf(injected));
        Assert.Equal(AdmissionResult.Injected, outcome.Result);
        var patched = JsonPatchTestApplier.Apply(injected, PatchOf(outcome)!);
        var expected = InjectionTestData.Meaning(InjectionTestData.InjectOk(BarePod, new InjectorDefaults()))[0];
        InjectionTestData.AssertSameMeaning(expected, patched);
        Assert.Single(patched["spec"]!["containers"]!.AsArray());
    }

    [Theory]
    [InlineData("labels")]
    [InlineData("annotations")]
    public void Review_OptedOut_SkippedWithoutPatchOrWarning(string where)
    {
        var pod = Pod(BarePod);
        pod["metadata"]![where] = new JsonObject { ["headless-sidecar.io/inject"] = "disabled" };
        var outcome = Reviewer().Review(ReviewOf(pod));
        Assert.Equal(AdmissionResult.Skipped, outcome.Result);
        Assert.Null(PatchOf(outcome));
        Assert.Null(outcome.Response["response"]!["warnings"]);
    }

    [Fact]
    public void Review_HostNetworkPod_SkippedWithWarning()
    {
        var pod = Pod(BarePod);
        pod["spec"]!["hostNetwork"] = true;
        var outcome = Reviewer().Review(ReviewOf(pod));
        Assert.Equal(AdmissionResult.Skipped, outcome.Result);
        Assert.Null(PatchOf(outcome));
        Assert.Contains("hostNetwork", Assert.Single(outcome.Response["response"]!["warnings"]!.AsArray())!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public void Review_ClassicModePodOwnedByJob_SkippedWithWarning()
    {
        var pod = Pod(BarePod);
        pod["metadata"]!["ownerReferences"] = new JsonArray(new JsonObject { ["apiVersion"] = "batch/v1", ["kind"] = "Job", ["name"] = "j", ["uid"] = "u" });
        var outcome = Reviewer(new InjectorDefaults { Mode = InjectionMode.Classic }).Review(ReviewOf(pod));
        Assert.Equal(AdmissionResult.Skipped, outcome.Result);
        Assert.Null(PatchOf(outcome));
        Assert.NotNull(outcome.Response["response"]!["warnings"]);
    }

    [Fact]
    public void Review_UpdateOperation_SkippedWithoutPatch()
    {
        var outcome = Reviewer().Review(ReviewOf(Pod(BarePod), operation: "UPDATE"));
        Assert.Equal(AdmissionResult.Skipped, outcome.Result);
        Assert.Null(PatchOf(outcome));
    }

    public static TheoryData<string> Unhandled => new()
    {
        """{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview","request":{"uid":"u1"}}""",
        """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}""",
        """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"apps","version":"v1","kind":"Deployment"},"object":{}}}""",
        """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE"}}""",
        """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","object":{"metadata":{"annotations":{"headless-sidecar.io/mode":"sideways"}},"spec":{"containers":[{"name":"a","image":"b"}]}}}}""",
        """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","object":{"metadata":{"annotations":{"headless-sidecar.io/status":"{not json"}},"spec":{"containers":[{"name":"a","image":"b"}]}}}}""",
        """{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","object":{"metadata":{},"spec":{"containers":[{"name":"headless-sidecar","image":"b"}]}}}}""",
        """[1, 2, 3]""",
        """ "just a string" """,
    };

    [Theory]
    [MemberData(nameof(Unhandled))]
    public void Review_ReviewItCannotHandle_AllowedWithWarningAndError(string json)
    {
        var outcome = Reviewer().Review(JsonNode.Parse(json));
        Assert.Equal(AdmissionResult.Error, outcome.Result);
        var response = outcome.Response["response"]!.AsObject();
        Assert.True(response["allowed"]!.GetValue<bool>());
        Assert.Null(response["patch"]);
        Assert.StartsWith("headless-sidecar: ", Assert.Single(response["warnings"]!.AsArray())!.GetValue<string>(), StringComparison.Ordinal);
        if (json.Contains("\"u1\"", StringComparison.Ordinal) && json.Contains("request", StringComparison.Ordinal))
        {
            Assert.Equal("u1", response["uid"]!.GetValue<string>());
        }
    }

    [Fact]
    public void Review_Null_AllowedWithWarning()
    {
        var outcome = Reviewer().Review(null);
        Assert.Equal(AdmissionResult.Error, outcome.Result);
        Assert.True(outcome.Response["response"]!["allowed"]!.GetValue<bool>());
    }

    [Fact]
    public void Create_FromFactory_ReviewsWithTheFlagsAsDefaults()
    {
        var reviewer = AdmissionReviewerFactory.Create(new InjectorDefaults { Image = "registry.example/hs:1", ConfigMap = "cm" });
        var outcome = reviewer.Review(ReviewOf(Pod(BarePod)));
        var patched = JsonPatchTestApplier.Apply(Pod(BarePod), PatchOf(outcome)!);
        var sidecar = patched["spec"]!["initContainers"]![0]!;
        Assert.Equal("registry.example/hs:1", sidecar["image"]!.GetValue<string>());
        Assert.Equal("cm", patched["spec"]!["volumes"]![0]!["configMap"]!["name"]!.GetValue<string>());
    }

    /// <summary>The pod templates of a document, in order, as Pods' {metadata, spec}.</summary>
    private static IEnumerable<JsonObject> Templates(JsonNode? document)
    {
        if (document is not JsonObject obj)
        {
            yield break;
        }
        foreach (var item in obj["items"] as JsonArray ?? (IEnumerable<JsonNode?>)[obj])
        {
            if (item is not JsonObject o || o["apiVersion"] is null || o["kind"] is null)
            {
                continue;
            }
            var path = WorkloadKinds.TemplatePath(o["apiVersion"]!.GetValue<string>(), o["kind"]!.GetValue<string>(), out _);
            if (path is null)
            {
                continue;
            }
            JsonNode? template = o;
            foreach (var segment in path)
            {
                template = template?[segment];
            }
            if (template is JsonObject t)
            {
                yield return t;
            }
        }
    }
}
