namespace HeadlessSidecar.LoadBalancing;

/// <summary>
/// A pod's peak-sensitive moving average of response latency (after Finagle's and Linkerd's PeakEWMA): a sample
/// above the estimate replaces it at once, a lower one pulls it down by a tenth of the gap or more, the more the
/// longer since the last sample, and between samples the estimate decays towards zero with time constant
/// <see cref="DecayTime"/>.
/// The decay is what lets a once-slow pod back in: left alone, its cost falls below its peers' within
/// <c>DecayTime × ln(its latency / theirs)</c>, the next pick samples it again, and a recovered pod is ranked by its
/// new latency from that sample on. Samples are time to response headers (HTTP) or to an established connection
/// (TCP); a failed attempt counts as at least <see cref="FailurePenalty"/>.
/// </summary>
/// <remarks>
/// Writers take a per-pod lock (one sample per attempt); readers never lock, and a read racing a write may pair one
/// sample's estimate with the next one's time, which only shifts a cost by one sample's weight.
/// </remarks>
internal sealed class PodLatency
{
    public static readonly TimeSpan DecayTime = TimeSpan.FromSeconds(10);

    /// <summary>What a failed attempt costs at least: a pod that fails fast must not look fast.</summary>
    public static readonly TimeSpan FailurePenalty = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// An idle pod not sampled for this long costs nothing for one pick: it gets one request to be measured again,
    /// and that sample alone ranks it from then on.
    /// Decay alone would take <c>DecayTime × ln(its cost / its peers')</c>: over a minute for a pod that refused one
    /// connection (the failure penalty against sub-millisecond peers) before a recovered pod saw traffic again. A
    /// pod that is still slow pays one request per interval: a quarter of a percent of a serial client's requests
    /// at 5 ms each.
    /// </summary>
    public static readonly TimeSpan RevisitAfter = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The cost of a pod with no sample yet that is already busy: it is tried at once when idle (it must be sampled
    /// to be ranked), but only one request at a time until it first answers.
    /// </summary>
    private const double UnsampledBusyCost = double.MaxValue / 2;

    /// <summary>How far towards itself a lower sample pulls the estimate at least (see <see cref="Update"/>).</summary>
    private const double MinimumPull = 0.1;

    private readonly TimeProvider _time;
    private readonly double _decayTicks;
    private readonly double _penaltyTicks;
    private readonly long _revisitTicks;
    private readonly Lock _lock = new();
    // Seconds × TimestampFrequency, as doubles: the unit does not matter to a comparison of costs.
    private double _estimate;
    private long _updatedAt;
    private long _lastAnswerAt;
    private volatile bool _sampled;

    public PodLatency(TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(time);
        _time = time;
        _decayTicks = DecayTime.TotalSeconds * time.TimestampFrequency;
        _penaltyTicks = FailurePenalty.TotalSeconds * time.TimestampFrequency;
        _revisitTicks = (long)(RevisitAfter.TotalSeconds * time.TimestampFrequency);
    }

    /// <summary>Whether the pod has answered or failed at least once.</summary>
    public bool HasSample => _sampled;

    /// <summary>The time stamp an attempt starts from (<see cref="TimeProvider.GetTimestamp"/>).</summary>
    public long Now() => _time.GetTimestamp();

    /// <summary>The pod answered (headers arrived, or the connection was established) for an attempt started at <paramref name="started"/>.</summary>
    public void Observe(long started)
    {
        var now = _time.GetTimestamp();
        Update(now, Math.Max(now - started, 0));
        Volatile.Write(ref _lastAnswerAt, now);
    }

    /// <summary>An attempt started at <paramref name="started"/> failed: charged its duration, and no less than <see cref="FailurePenalty"/>.</summary>
    public void ObserveFailure(long started)
    {
        var now = _time.GetTimestamp();
        Update(now, Math.Max(now - started, _penaltyTicks));
    }

    /// <summary>Whether the pod answered anything since <paramref name="since"/> (a time stamp from <see cref="Now"/>).</summary>
    public bool AnsweredSince(long since) => Volatile.Read(ref _lastAnswerAt) > since;

    /// <summary>The estimate now, decayed since its last sample; zero before the first one.</summary>
    public TimeSpan Estimate => TimeSpan.FromSeconds(EstimateAt(_time.GetTimestamp()) / _time.TimestampFrequency);

    /// <summary>
    /// The pod's cost for a new request with <paramref name="pending"/> requests (or sessions) already open:
    /// estimate × (pending + 1), so a pod that is fast but busy and one that is idle but slow compare fairly.
    /// </summary>
    public double Cost(int pending)
    {
        var now = _time.GetTimestamp();
        if (pending > 0 && !_sampled)
        {
            return UnsampledBusyCost;
        }
        if (pending == 0 && now - Volatile.Read(ref _updatedAt) >= _revisitTicks)
        {
            return 0;
        }
        return EstimateAt(now) * (pending + 1);
    }

    /// <summary>
    /// Forgets the estimate (the pod was ejected): when it returns it is tried at once, one request at a time until
    /// it answers, rather than kept out until an estimate from before its ejection decays.
    /// </summary>
    public void Reset()
    {
        lock (_lock)
        {
            _sampled = false;
            Volatile.Write(ref _estimate, 0);
            Volatile.Write(ref _updatedAt, 0);
        }
    }

    private double EstimateAt(long now)
    {
        var updatedAt = Volatile.Read(ref _updatedAt);
        var estimate = Volatile.Read(ref _estimate);
        var elapsed = now - updatedAt;
        return elapsed <= 0 ? estimate : estimate * Math.Exp(-elapsed / _decayTicks);
    }

    private void Update(long now, double sample)
    {
        lock (_lock)
        {
            // Blend with the estimate as it reads now, decay included: a pod sampled again after a long rest is
            // ranked by what it does now, not by an old peak.
            var decay = Math.Exp(-Math.Max(now - _updatedAt, 0) / _decayTicks);
            var current = _estimate * decay;
            // A new peak counts in full at once: latency that rises is believed immediately. A lower sample pulls
            // the estimate towards it, the more the longer since the last one, and at least MinimumPull of the
            // way: with time alone, one scheduling hiccup of a busy pod would rank it for seconds as if it were
            // slow, and a pod ten times slower would look no worse than its peers' worst moments.
            // A pod sampled after RevisitAfter of rest (a revisit) is ranked by this sample alone.
            var weight = Math.Min(decay, 1 - MinimumPull);
            var fresh = !_sampled || now - _updatedAt >= _revisitTicks;
            var next = fresh || sample > current ? sample : current * weight + sample * (1 - weight);
            Volatile.Write(ref _estimate, next);
            Volatile.Write(ref _updatedAt, now);
            _sampled = true;
        }
    }
}
