namespace HeadlessSidecar.IntegrationTests;

public class PlaceholderTests
{
    [Fact]
    public void Placeholder() => Assert.True(true);
}
