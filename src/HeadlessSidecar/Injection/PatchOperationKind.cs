namespace HeadlessSidecar.Injection;

/// <summary>The two RFC 6902 operations the engine needs (an <c>add</c> on an existing member replaces it).</summary>
internal enum PatchOperationKind
{
    Add,
    Remove,
}
