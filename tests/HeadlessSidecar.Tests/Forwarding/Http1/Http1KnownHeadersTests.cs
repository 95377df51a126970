using System.Text;
using HeadlessSidecar.Forwarding.Http1;
using Microsoft.Net.Http.Headers;

namespace HeadlessSidecar.Tests.Forwarding.Http1;

public sealed class Http1KnownHeadersTests
{
    [Theory]
    [InlineData("Date")]
    [InlineData("date")]
    [InlineData("CONTENT-TYPE")]
    [InlineData("Content-Type")]
    [InlineData("x-frame-options")]
    public void Get_KnownNameInAnyCase_IsKestrelsInstance(string name)
    {
        var known = Http1KnownHeaders.Get(Encoding.ASCII.GetBytes(name));
        string[] expected = [HeaderNames.Date, HeaderNames.ContentType, HeaderNames.XFrameOptions];
        Assert.Contains(expected, e => ReferenceEquals(e, known));
    }

    [Theory]
    [InlineData("X-Custom")]
    [InlineData("Dates")]
    [InlineData("Dat")]
    public void Get_OtherName_IsThatName(string name)
    {
        Assert.Equal(name, Http1KnownHeaders.Get(Encoding.ASCII.GetBytes(name)));
    }
}
