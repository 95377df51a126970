using System.Collections.Frozen;
using HeadlessSidecar.Configuration;

namespace HeadlessSidecar.Runtime;

/// <summary>One configuration and the runtimes serving it ("services → runtime"), never mutated once published.</summary>
internal sealed record RuntimeSnapshot(SidecarOptions Options, FrozenDictionary<string, ServiceRuntime> Services);
