#!/usr/bin/env python3
"""Builds the AFL targets (tests/fuzz/HeadlessSidecar.Fuzz), instruments our assembly with SharpFuzz and runs
afl-fuzz on each target for a set time, one target at a time, headless. Prints execs, paths and crashes per target
and exits non-zero if any crash was found, naming the files (replay one with
`dotnet <work>/bin/HeadlessSidecar.Fuzz.dll <target> <file>`; each crash becomes a regression unit test).

Usage: tests/fuzz/run_fuzz.py [--seconds N] [--targets http1,dns,preface] [--work DIR]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROJECT = ROOT / "tests" / "fuzz" / "HeadlessSidecar.Fuzz" / "HeadlessSidecar.Fuzz.csproj"
CORPUS = ROOT / "tests" / "fuzz" / "corpus"
TARGETS = ("http1", "dns", "preface")
# The instrumented assembly: ours only (the framework and libraries are not what we fuzz).
ASSEMBLY = "headless-sidecar.dll"
SHARPFUZZ_VERSION = "2.3.0"
# afl-fuzz refuses to start on a machine tuned for anything but fuzzing, and dotnet is no AFL-compiled binary.
AFL_ENV = {
    "AFL_NO_UI": "1",
    "AFL_SKIP_CPUFREQ": "1",
    "AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES": "1",
    "AFL_SKIP_BIN_CHECK": "1",
    # A shared machine: do not claim a core (afl-fuzz would fail when none is free).
    "AFL_NO_AFFINITY": "1",
    "AFL_FORKSRV_INIT_TMOUT": "30000",
}


def parse_stats(text):
    """fuzzer_stats ("key : value" lines) as a dict of strings."""
    stats = {}
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if sep:
            stats[key.strip()] = value.strip()
    return stats


def crash_files(directory):
    """The inputs afl-fuzz kept as crashes (its README.txt is not one)."""
    if not directory.is_dir():
        return []
    return sorted(p for p in directory.iterdir() if p.is_file() and p.name.startswith("id:"))


def run(command, **kwargs):
    print("+", " ".join(str(c) for c in command), flush=True)
    subprocess.run(command, check=True, **kwargs)


def sharpfuzz(work):
    """The SharpFuzz.CommandLine tool, installed once into the work directory."""
    tools = work / "tools"
    tool = tools / "sharpfuzz"
    if not tool.exists():
        run(["dotnet", "tool", "install", "SharpFuzz.CommandLine", "--version", SHARPFUZZ_VERSION, "--tool-path", str(tools)])
    return tool


def build(work):
    out = work / "bin"
    if out.exists():
        shutil.rmtree(out)
    run(["dotnet", "build", str(PROJECT), "-c", "Release", "-nologo", "-warnaserror", "-o", str(out)], stdin=subprocess.DEVNULL)
    run([str(sharpfuzz(work)), str(out / ASSEMBLY)])
    return out


def fuzz(target, seconds, work, out):
    findings = work / "findings" / target
    if findings.exists():
        shutil.rmtree(findings)
    findings.parent.mkdir(parents=True, exist_ok=True)
    command = ["afl-fuzz", "-i", str(CORPUS / target), "-o", str(findings), "-V", str(seconds), "-t", "5000", "-m", "none",
               "--", "dotnet", str(out / "HeadlessSidecar.Fuzz.dll"), target]
    log = work / f"afl-{target}.log"
    print("+", " ".join(command), f"> {log}", flush=True)
    with open(log, "w") as output:
        # -V ends the run; the extra minutes only guard against an afl-fuzz that never returns.
        status = subprocess.run(command, env={**os.environ, **AFL_ENV}, stdout=output, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, timeout=seconds + 300).returncode
    stats_file = findings / "default" / "fuzzer_stats"
    if status != 0 or not stats_file.exists():
        print(log.read_text()[-3000:], file=sys.stderr)
        raise SystemExit(f"afl-fuzz failed on {target} (exit {status})")
    stats = parse_stats(stats_file.read_text())
    crashes = crash_files(findings / "default" / "crashes")
    hangs = crash_files(findings / "default" / "hangs")
    print(f"{target}: {stats.get('run_time', '?')} s, {stats.get('execs_done', '?')} execs "
          f"({stats.get('execs_per_sec', '?')}/s), {stats.get('corpus_count', '?')} paths, "
          f"{stats.get('bitmap_cvg', '?')} map, stability {stats.get('stability', '?')}, "
          f"{len(crashes)} crashes, {len(hangs)} hangs", flush=True)
    for path in crashes:
        print(f"  crash: {path}")
    for path in hangs:
        print(f"  hang: {path}")
    return crashes


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=int, default=600, help="fuzzing time per target (default 600)")
    parser.add_argument("--targets", default=",".join(TARGETS), help="comma-separated, of: " + ", ".join(TARGETS))
    parser.add_argument("--work", help="build output, findings and logs (default: a new temporary directory)")
    args = parser.parse_args(argv)
    targets = [t for t in args.targets.split(",") if t]
    unknown = [t for t in targets if t not in TARGETS]
    if unknown or args.seconds < 1:
        parser.error(f"unknown targets {unknown}" if unknown else "--seconds must be at least 1")
    if shutil.which("afl-fuzz") is None:
        raise SystemExit("afl-fuzz not found (Debian package afl++)")

    work = Path(args.work) if args.work else Path(tempfile.mkdtemp(prefix="headless-sidecar-fuzz."))
    work.mkdir(parents=True, exist_ok=True)
    print(f"work directory: {work}", flush=True)
    out = build(work)
    found = {target: fuzz(target, args.seconds, work, out) for target in targets}
    total = sum(len(c) for c in found.values())
    if total:
        print(f"{total} crashes found: {', '.join(f'{t} {len(c)}' for t, c in found.items() if c)}", file=sys.stderr)
        return 1
    print("no crashes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
