namespace HeadlessSidecar.Demo;

/// <summary>RCODE values, including BADVERS, whose upper bits travel in the OPT record.</summary>
internal enum DemoDnsResponseCode
{
    NoError = 0,
    FormatError = 1,
    ServerFailure = 2,
    NameError = 3,
    NotImplemented = 4,
    Refused = 5,
    BadVersion = 16,
}
