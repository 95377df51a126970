namespace HeadlessSidecar.Failover;

/// <summary>
/// Counts events in a ring of time buckets, numbered by the caller. Each slot packs the number of the
/// bucket it holds (high 32 bits) with its count (low 32 bits), so a writer that finds a slot left over
/// from an earlier lap of the ring restarts it in the same compare-and-swap: no lock, no clearing pass,
/// and an idle gap of any length leaves nothing stale behind.
/// </summary>
internal sealed class SlidingWindowCounter
{
    private readonly long[] _slots;

    public SlidingWindowCounter(int bucketCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bucketCount, 1);
        _slots = new long[bucketCount];
    }

    /// <summary>
    /// Counts one event in <paramref name="bucket"/>. A writer that read the clock before a long stall
    /// can find its slot already taken by a later lap; its event is then older than the window and is dropped.
    /// </summary>
    public void Increment(uint bucket)
    {
        ref var slot = ref _slots[bucket % (uint)_slots.Length];
        while (true)
        {
            var current = Volatile.Read(ref slot);
            var held = BucketOf(current);
            long next;
            if (held == bucket)
            {
                next = current + 1;
            }
            else if ((int)(bucket - held) > 0)
            {
                next = Pack(bucket, 1);
            }
            else
            {
                return;
            }
            if (Interlocked.CompareExchange(ref slot, next, current) == current)
            {
                return;
            }
        }
    }

    /// <summary>The events of <paramref name="bucket"/> and of the buckets before it that still fit in the ring.</summary>
    public long Sum(uint bucket)
    {
        var length = (uint)_slots.Length;
        long sum = 0;
        for (var i = 0; i < _slots.Length; i++)
        {
            var value = Volatile.Read(ref _slots[i]);
            if (bucket - BucketOf(value) < length)
            {
                sum += CountOf(value);
            }
        }
        return sum;
    }

    private static uint BucketOf(long value) => (uint)((ulong)value >> 32);

    private static long CountOf(long value) => (uint)value;

    private static long Pack(uint bucket, uint count) => (long)(((ulong)bucket << 32) | count);
}
