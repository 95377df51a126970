namespace HeadlessSidecar.Reload;

/// <summary>What a reload does to one service.</summary>
internal enum ServiceChangeKind
{
    Unchanged,
    /// <summary>Settings changed; the service keeps running (see <see cref="ServiceEffects"/> for what is renewed).</summary>
    Changed,
    Added,
    Removed,
    /// <summary>The <c>Protocol</c> changed: the old service is removed and a new one added under the same name.</summary>
    Replaced,
}
