namespace HeadlessSidecar.Hosting;

/// <summary>
/// How many arrays of one size the shared <see cref="System.Buffers.ArrayPool{T}"/> keeps per core. The default
/// (32) is below what a busy HTTP/2 listener holds at once: every proxied stream rents YARP's 64 KiB copy buffer
/// and the HTTP/2 client's 16 KiB response blocks, so with more than ~64 streams in flight the pool drops what comes
/// back and the next streams allocate afresh. Measured with h2load (8 connections × 16 streams, h2c pods): 27 KiB
/// allocated per request before, 5.6 KiB with 128 or more, and the garbage collector's share of CPU fell with it.
/// A larger cap costs nothing until that many arrays are in flight at once: the pool only keeps what came back.
/// </summary>
/// <remarks>The runtime reads the variable once, the first time the shared pool is used: <see cref="Apply"/> runs
/// first thing in <c>Main</c>. A user who sets the variable keeps their choice.</remarks>
internal static class BufferPoolSizing
{
    public const string Variable = "DOTNET_SYSTEM_BUFFERS_SHAREDARRAYPOOL_MAXARRAYSPERPARTITION";

    /// <summary>Arrays per size and core: the streams of a few app connections at <c>Limits:MaxStreamsPerConnection</c>.</summary>
    public const int ArraysPerPartition = 256;

    public static void Apply()
    {
        if (Environment.GetEnvironmentVariable(Variable) is null)
        {
            Environment.SetEnvironmentVariable(Variable, ArraysPerPartition.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
