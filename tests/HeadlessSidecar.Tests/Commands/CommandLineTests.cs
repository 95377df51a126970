using HeadlessSidecar.Commands;

namespace HeadlessSidecar.Tests.Commands;

public class CommandLineTests
{
    [Fact]
    public void Parse_NoArguments_IsRun()
    {
        var parsed = CommandLine.Parse([]);
        Assert.Equal("run", parsed.Command);
        Assert.Null(parsed.Error);
    }

    [Fact]
    public void Parse_ValidateWithConfig_KeepsFileAndOverrides()
    {
        var parsed = CommandLine.Parse(["validate", "--config", "x.json", "--Sidecar:AccessLog=true"]);
        Assert.Equal("validate", parsed.Command);
        Assert.Equal("x.json", parsed.ConfigFile);
        Assert.Equal(["--Sidecar:AccessLog=true"], parsed.Overrides);
    }

    [Fact]
    public void Parse_ValidateNoFiles_SetsNoFiles()
    {
        var parsed = CommandLine.Parse(["validate", "--no-files", "--config", "x.json"]);
        Assert.Null(parsed.Error);
        Assert.True(parsed.NoFiles);
        Assert.False(CommandLine.Parse(["validate"]).NoFiles);
    }

    [Fact]
    public void Parse_NoFilesOnRun_IsAnError() =>
        Assert.Equal("--no-files is an option of validate only", CommandLine.Parse(["--no-files"]).Error);

    [Fact]
    public void Parse_ConfigEqualsForm_IsAccepted()
    {
        Assert.Equal("y.json", CommandLine.Parse(["--config=y.json"]).ConfigFile);
    }

    [Fact]
    public void Parse_UnknownCommand_IsAnError()
    {
        Assert.Contains("unknown command 'serve'", CommandLine.Parse(["serve"]).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ConfigWithoutFile_IsAnError()
    {
        Assert.NotNull(CommandLine.Parse(["run", "--config"]).Error);
    }

    [Theory]
    [InlineData("--help", "help")]
    [InlineData("-h", "help")]
    [InlineData("--version", "version")]
    public void Parse_HelpAndVersion_AreCommands(string arg, string command)
    {
        Assert.Equal(command, CommandLine.Parse(["run", arg]).Command);
    }
}
