namespace HeadlessSidecar.Health;

/// <summary>
/// Never more than half of a service's pods ejected (Envoy's <c>max_ejection_percent</c> 50): an ejection that
/// would pass half is refused, so one pod alone is never ejected; and when more than half are ejected anyway
/// (the set shrank under them) the balancer should panic and ignore ejection.
/// </summary>
internal static class PanicGuard
{
    /// <summary>Whether one more pod may be ejected: 2 pods allow 1, 3 allow 1, 4 allow 2, 1 allows none.</summary>
    public static bool MayEjectOneMore(int ejected, int total)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ejected);
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        return (ejected + 1L) * 2 <= total;
    }

    /// <summary>Whether more than half of the pods are ejected, so the balancer should use them all regardless.</summary>
    public static bool IsPanicking(int ejected, int total)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(ejected);
        ArgumentOutOfRangeException.ThrowIfNegative(total);
        return ejected * 2L > total;
    }

    public static bool MayEjectOneMore<T>(ReadOnlySpan<T> pods, Func<T, PodHealth> health) =>
        MayEjectOneMore(CountEjected(pods, health), pods.Length);

    public static bool IsPanicking<T>(ReadOnlySpan<T> pods, Func<T, PodHealth> health) =>
        IsPanicking(CountEjected(pods, health), pods.Length);

    /// <summary>Pods ejected now, those awaiting a passing probe included.</summary>
    public static int CountEjected<T>(ReadOnlySpan<T> pods, Func<T, PodHealth> health)
    {
        ArgumentNullException.ThrowIfNull(health);
        var ejected = 0;
        foreach (var pod in pods)
        {
            if (health(pod).IsEjected)
            {
                ejected++;
            }
        }
        return ejected;
    }
}
