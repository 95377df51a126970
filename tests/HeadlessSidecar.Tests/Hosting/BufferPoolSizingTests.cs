using HeadlessSidecar.Hosting;

namespace HeadlessSidecar.Tests.Hosting;

[Collection(nameof(BufferPoolSizingTests))]
public sealed class BufferPoolSizingTests
{
    [Fact]
    public void Apply_VariableUnset_SetsTheSidecarsCap()
    {
        var saved = Environment.GetEnvironmentVariable(BufferPoolSizing.Variable);
        try
        {
            Environment.SetEnvironmentVariable(BufferPoolSizing.Variable, null);

            BufferPoolSizing.Apply();

            Assert.Equal("256", Environment.GetEnvironmentVariable(BufferPoolSizing.Variable));
        }
        finally
        {
            Environment.SetEnvironmentVariable(BufferPoolSizing.Variable, saved);
        }
    }

    [Fact]
    public void Apply_VariableSetByUser_KeepsTheirValue()
    {
        var saved = Environment.GetEnvironmentVariable(BufferPoolSizing.Variable);
        try
        {
            Environment.SetEnvironmentVariable(BufferPoolSizing.Variable, "16");

            BufferPoolSizing.Apply();

            Assert.Equal("16", Environment.GetEnvironmentVariable(BufferPoolSizing.Variable));
        }
        finally
        {
            Environment.SetEnvironmentVariable(BufferPoolSizing.Variable, saved);
        }
    }
}
