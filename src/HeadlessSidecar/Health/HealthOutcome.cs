namespace HeadlessSidecar.Health;

/// <summary>What a <see cref="PodHealth"/> record call changed, so its owner can count ejections and note returns.</summary>
internal enum HealthOutcome
{
    /// <summary>No change of ejection state.</summary>
    None,

    /// <summary>This call ejected the pod (count it in <c>headless_sidecar_ejections_total</c>).</summary>
    Ejected,

    /// <summary>The pod reached its failure threshold but the panic guard kept it in service.</summary>
    EjectionRefusedByPanicGuard,

    /// <summary>A passing probe ended the ejection of a pod with active health.</summary>
    Returned,
}
