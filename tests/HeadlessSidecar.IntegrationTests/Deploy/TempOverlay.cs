namespace HeadlessSidecar.IntegrationTests.Deploy;

/// <summary>
/// A kustomization in a temporary directory, as a user's overlay over deploy/ would be. Kustomize takes only
/// relative resource paths, so the content is built from the overlay's own directory.
/// </summary>
internal sealed class TempOverlay : IDisposable
{
    private readonly DirectoryInfo _directory;

    public TempOverlay(Func<string, string> kustomization)
    {
        _directory = System.IO.Directory.CreateTempSubdirectory("headless-sidecar-overlay-");
        File.WriteAllText(Path.Combine(Directory, "kustomization.yaml"), kustomization(Directory));
    }

    public string Directory => _directory.FullName;

    /// <summary><paramref name="deployRelative"/> (a folder under deploy/) as a path from this overlay.</summary>
    public static string From(string overlay, string deployRelative) => Path.GetRelativePath(overlay, DeployTree.PathOf(deployRelative));

    public void Dispose() => _directory.Delete(recursive: true);
}
