namespace HeadlessSidecar.Injection.Yaml;

/// <summary>Input the engine refuses: not YAML, or YAML whose meaning kubectl could not read either.</summary>
internal sealed class ManifestException : Exception
{
    public ManifestException()
    {
    }

    public ManifestException(string message) : base(message)
    {
    }

    public ManifestException(string message, Exception innerException) : base(message, innerException)
    {
    }

    /// <summary>Where it was found, 1-based; 0 when the problem has no single place.</summary>
    public int Line { get; init; }

    public int Column { get; init; }

    /// <summary>1-based index of the document in its stream where the problem was found, 0 when unknown.</summary>
    public int Document { get; init; }
}
