namespace HeadlessSidecar.Routing;

internal enum RouteKind
{
    Balanced,
    Pinned,
    Error,
}
