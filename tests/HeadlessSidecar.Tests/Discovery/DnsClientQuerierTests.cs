using System.Net.Sockets;
using DnsClient;
using HeadlessSidecar.Discovery;

namespace HeadlessSidecar.Tests.Discovery;

public class DnsClientQuerierTests
{
    [Fact]
    public void DescribeFailure_DnsClientTimeout_Timeout()
    {
        Assert.Equal("timeout", DnsClientQuerier.DescribeFailure(new DnsResponseException(DnsResponseCode.ConnectionTimeout, "timed out")));
    }

    [Fact]
    public void DescribeFailure_ConnectionRefused_Unreachable()
    {
        var exception = new DnsResponseException(DnsResponseCode.Unassigned, "failed", new SocketException((int)SocketError.ConnectionRefused));

        Assert.Equal("unreachable (ConnectionRefused)", DnsClientQuerier.DescribeFailure(exception));
    }

    [Fact]
    public void DescribeFailure_ResponseCodeException_CodeName()
    {
        Assert.Equal("SERVFAIL", DnsClientQuerier.DescribeFailure(new DnsResponseException(DnsResponseCode.ServerFailure)));
    }

    [Fact]
    public void DescribeFailure_OtherException_ErrorWithMessage()
    {
        Assert.Equal("error (bad)", DnsClientQuerier.DescribeFailure(new InvalidDataException("bad")));
    }

    [Theory]
    [InlineData(DnsResponseCode.ServerFailure, "SERVFAIL")]
    [InlineData(DnsResponseCode.Refused, "REFUSED")]
    [InlineData(DnsResponseCode.FormatError, "FORMERR")]
    [InlineData(DnsResponseCode.NotImplemented, "NOTIMP")]
    [InlineData(DnsResponseCode.BadCookie, "rcode 23")]
    public void DescribeResponseCode_Code_ShortName(DnsResponseCode code, string expected)
    {
        Assert.Equal(expected, DnsClientQuerier.DescribeResponseCode(code));
    }
}
