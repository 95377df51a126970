using HeadlessSidecar.Health.Probes;

namespace HeadlessSidecar.Tests.Health.Probes;

public class GrpcHealthProbeTests
{
    [Fact]
    public void EncodeRequest_EmptyService_IsAnEmptyMessage()
    {
        Assert.Equal(new byte[] { 0, 0, 0, 0, 0 }, GrpcHealthProbe.EncodeRequest(""));
    }

    [Fact]
    public void EncodeRequest_NamedService_IsFieldOneString()
    {
        Assert.Equal(new byte[] { 0, 0, 0, 0, 5, 0x0A, 3, (byte)'a', (byte)'.', (byte)'B' }, GrpcHealthProbe.EncodeRequest("a.B"));
    }

    [Fact]
    public void EncodeRequest_LongService_UsesAMultiByteLength()
    {
        var message = GrpcHealthProbe.EncodeRequest(new string('x', 200));
        Assert.Equal(5 + 1 + 2 + 200, message.Length);
        Assert.Equal(new byte[] { 0x0A, 0xC8, 0x01 }, message[5..8]);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0, 0, 2, 0x08, 1 }, 1)]
    [InlineData(new byte[] { 0, 0, 0, 0, 2, 0x08, 2 }, 2)]
    [InlineData(new byte[] { 0, 0, 0, 0, 0 }, 0)]
    [InlineData(new byte[] { 0, 0, 0, 0, 6, 0x12, 2, (byte)'h', (byte)'i', 0x08, 1 }, 1)]
    public void TryDecodeResponse_WellFormed_GivesTheStatus(byte[] message, int status)
    {
        Assert.True(GrpcHealthProbe.TryDecodeResponse(message, out var decoded));
        Assert.Equal(status, decoded);
    }

    [Theory]
    [InlineData(new byte[] { 0, 0, 0 })]
    [InlineData(new byte[] { 1, 0, 0, 0, 2, 0x08, 1 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 9, 0x08, 1 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 1, 0x08 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 3, 0x12, 9, 0 })]
    [InlineData(new byte[] { 0, 0, 0, 0, 2, 0x0B, 1 })]
    public void TryDecodeResponse_MalformedOrCompressed_IsRejected(byte[] message)
    {
        Assert.False(GrpcHealthProbe.TryDecodeResponse(message, out _));
    }
}
