namespace HeadlessSidecar.IntegrationTests.Infrastructure;

/// <summary>Which authority of a <see cref="TestPki"/> signs a certificate.</summary>
public enum TestPkiIssuer
{
    /// <summary>The intermediate under the trusted root: the chain is leaf, intermediate (in the certificate file), root (the CA file).</summary>
    Intermediate,

    /// <summary>The trusted root itself.</summary>
    Root,

    /// <summary>A root nobody was told to trust.</summary>
    Untrusted,
}
