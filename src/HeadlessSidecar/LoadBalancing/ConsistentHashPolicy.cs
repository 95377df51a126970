using System.IO.Hashing;
using System.Runtime.InteropServices;
using HeadlessSidecar.Runtime;

namespace HeadlessSidecar.LoadBalancing;

/// <summary>
/// Rendezvous (highest-random-weight) hashing of the request's hash key over pod names: the candidate with
/// the highest score(key, name) wins. Removing a pod moves only its own keys, each to its next choice, and
/// they return with it; a pod back at a new address keeps its keys. No randomized seeds, so every replica's
/// sidecar maps a key to the same pod. Requests without a key are balanced round-robin.
/// </summary>
internal sealed class ConsistentHashPolicy : ILoadBalancingPolicy
{
    // Distinct seeds so that a key equal to a pod name does not cancel out to a zero score.
    private const long KeySeed = 0;
    private const long NameSeed = unchecked((long)0x9E3779B97F4A7C15);

    private readonly RoundRobinPolicy _fallback = new();
    private NameHashes _nameHashes = NameHashes.Empty;

    public PodState? Pick(ReadOnlySpan<PodState> pods, in PickContext context)
    {
        if (context.HashKey is not { } key)
        {
            return _fallback.Pick(pods, context);
        }
        var keyHash = HashKey(key);
        var nameHashes = NameHashesOf(pods);
        PodState? best = null;
        var bestScore = 0UL;
        for (var i = 0; i < pods.Length; i++)
        {
            var pod = pods[i];
            if (!context.IsCandidate(pod))
            {
                continue;
            }
            // Ties (a 64-bit collision) go to the earlier pod; tables are sorted alike on every replica.
            var score = Mix(keyHash ^ nameHashes[i]);
            if (best is null || score > bestScore)
            {
                best = pod;
                bestScore = score;
            }
        }
        return best;
    }

    /// <summary>Hashes the key's UTF-16 code units in place (little-endian on x64 and arm64 alike): no encoding, no allocation.</summary>
    private static ulong HashKey(string key) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(key.AsSpan()), KeySeed);

    /// <summary>DNS names are case-insensitive (as <see cref="PodTable.ByName"/> is): hash the lower-case form.</summary>
    private static ulong HashName(string name)
    {
        Span<char> lower = name.Length <= 256 ? stackalloc char[name.Length] : new char[name.Length];
        name.AsSpan().ToLowerInvariant(lower);
        return XxHash3.HashToUInt64(MemoryMarshal.AsBytes(lower), NameSeed);
    }

    /// <summary>The splitmix64 finalizer: every input bit flips about half the output bits.</summary>
    private static ulong Mix(ulong x)
    {
        x ^= x >> 30;
        x *= 0xBF58476D1CE4E5B9;
        x ^= x >> 27;
        x *= 0x94D049BB133111EB;
        x ^= x >> 31;
        return x;
    }

    /// <summary>The name hashes of the pod array last seen; the table changes rarely, picks happen per request.</summary>
    private ulong[] NameHashesOf(ReadOnlySpan<PodState> pods)
    {
        var cached = Volatile.Read(ref _nameHashes);
        if (cached.Matches(pods))
        {
            return cached.Hashes;
        }
        var fresh = new NameHashes(pods);
        Volatile.Write(ref _nameHashes, fresh);
        return fresh.Hashes;
    }

    private sealed class NameHashes
    {
        public static readonly NameHashes Empty = new([]);

        // The name strings, not the pods: a hash depends on the name alone, and removed pods are not kept alive.
        private readonly string[] _names;

        public NameHashes(ReadOnlySpan<PodState> pods)
        {
            _names = new string[pods.Length];
            Hashes = new ulong[pods.Length];
            for (var i = 0; i < pods.Length; i++)
            {
                _names[i] = pods[i].Name;
                Hashes[i] = HashName(_names[i]);
            }
        }

        public ulong[] Hashes { get; }

        public bool Matches(ReadOnlySpan<PodState> pods)
        {
            if (pods.Length != _names.Length)
            {
                return false;
            }
            for (var i = 0; i < pods.Length; i++)
            {
                if (!ReferenceEquals(pods[i].Name, _names[i]))
                {
                    return false;
                }
            }
            return true;
        }
    }
}
