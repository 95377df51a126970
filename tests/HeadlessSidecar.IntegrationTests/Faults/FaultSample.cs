using System.Net;

namespace HeadlessSidecar.IntegrationTests.Faults;

/// <summary>One request of a <see cref="FaultLoad"/>: when it started and ended (seconds since the load started) and how it went.</summary>
internal readonly record struct FaultSample(double Start, double End, HttpStatusCode? Status, string? Error, string? Pod)
{
    public bool Ok => Status == HttpStatusCode.OK;

    public double Milliseconds => (End - Start) * 1000;

    /// <summary>What the app saw when it was not a 200: the status and the sidecar's error code, or the exception.</summary>
    public string Outcome => Status is { } status ? $"{(int)status} {Error}".TrimEnd() : Error ?? "error";
}
