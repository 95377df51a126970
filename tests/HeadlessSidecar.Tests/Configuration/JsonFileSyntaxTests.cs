using System.Text;
using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Tests.Configuration;

public class JsonFileSyntaxTests
{
    private static string? Check(string json) => JsonFileSyntax.Check(Encoding.UTF8.GetBytes(json));

    [Theory]
    [InlineData("{}")]
    [InlineData("\uFEFF{ \"Sidecar\": { } }")]
    [InlineData("{\n  // a comment\n  \"Sidecar\": { \"AccessLog\": true, },\n}\n")]
    public void Check_ObjectWithCommentsAndTrailingCommas_Null(string json) => Assert.Null(Check(json));

    [Fact]
    public void Check_MissingComma_NamesLineByteAndText()
    {
        Assert.Equal("line 3, byte 3: near '\"Listen\": \"127.0.0.1:1\"'",
            Check("{\n  \"Host\": \"web\"\n  \"Listen\": \"127.0.0.1:1\"\n}"));
    }

    [Fact]
    public void Check_UnquotedValue_NamesLine()
    {
        Assert.StartsWith("line 2, byte 18: near '\"Listen\": 127.0.0.1'", Check("{\n  \"Listen\": 127.0.0.1\n}"), StringComparison.Ordinal);
    }

    [Fact]
    public void Check_Truncated_SaysTheFileEnds()
    {
        Assert.StartsWith("line 1, byte 14", Check("{ \"Sidecar\": "), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("", "the file is empty (a JSON object is expected)")]
    [InlineData("[1]", "line 1: the top level must be a JSON object, not an array")]
    [InlineData("{}\n{}", "line 2, byte 1: near '{}'")]
    [InlineData(" \n ", "the file is empty (a JSON object is expected)")]
    public void Check_NotOneObject_Says(string json, string expected) => Assert.Equal(expected, Check(json));
}
