namespace HeadlessSidecar.Commands;

internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    /// <summary>Bad configuration or command line.</summary>
    public const int BadConfiguration = 2;
}
