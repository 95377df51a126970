using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;
using HeadlessSidecar.Benchmarks;

// Results go under bin/ (ignored by git) unless --artifacts says otherwise.
var config = DefaultConfig.Instance.WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
BenchmarkSwitcher.FromAssembly(typeof(RoutingBenchmarks).Assembly).Run(args, config);
