using HeadlessSidecar.Fuzz;
using SharpFuzz;

// Usage: HeadlessSidecar.Fuzz <target> [file…]. Under afl-fuzz (run by tests/fuzz/run_fuzz.py) each input comes from
// the fork server; with files, each file is run once (to replay a crash). A target throws when a property breaks:
// an exception of any kind is the crash AFL records.
var targets = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
{
    ["http1"] = Http1ResponseTarget.Run,
    ["dns"] = DnsAnswerTarget.Run,
    ["preface"] = PrefaceTarget.Run,
};

if (args.Length == 0 || !targets.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: HeadlessSidecar.Fuzz <{string.Join('|', targets.Keys)}> [file…]");
    return 2;
}

if (args.Length > 1)
{
    foreach (var file in args.Skip(1))
    {
        target(File.ReadAllBytes(file));
        Console.WriteLine($"{file}: ok");
    }
    return 0;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var buffer = new MemoryStream();
    stream.CopyTo(buffer);
    target(buffer.ToArray());
});
return 0;
