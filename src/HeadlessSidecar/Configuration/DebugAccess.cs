namespace HeadlessSidecar.Configuration;

/// <summary><c>Sidecar:Admin:DebugAccess</c>: who may read <c>/status</c> and <c>/debug/*</c> on the admin port.</summary>
public enum DebugAccess
{
    /// <summary>Clients on loopback only: where <c>kubectl port-forward</c> arrives, and nothing else in the cluster.</summary>
    Loopback,

    /// <summary>Every client that reaches the admin port.</summary>
    Any,
}
