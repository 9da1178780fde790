"""The long fuzz run of the CLI's ingest: `python benchmarks/fuzz.py --cases 10000`.

Each case mutates one sample (tests/fuzzing.py: byte flips, truncation, duplicated chunks,
inserted delimiters and quotes, huge and odd cells) with its own seed and ingests it into a
fresh SQLite database, in a forked process with an address-space and a CPU-time limit, so that a
reader that aborts or runs away costs one case, never the run. Prints the cases by exit status
and every failure with the sample and seed that reproduce it:
`python benchmarks/fuzz.py --only SAMPLE --seed SEED --cases 1`.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.append(str(ROOT / "tests"))  # the fuzzer is the CI test's (tests/fuzzing.py)

import fuzzing  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=0, help="the first case's seed; case i uses seed + i")
    parser.add_argument("--only", help="only this sample (a file name in data/samples/)")
    parser.add_argument("--minutes", type=float, default=None, help="stop after this long, reporting what ran")
    parser.add_argument("--memory-mb", type=int, default=4096, help="address space of each case")
    args = parser.parse_args()
    os.environ.update(fuzzing.LIMITS)
    samples = fuzzing.SAMPLE_FILES
    if args.only:
        samples = [s for s in samples if s.name == args.only]
    work = Path(tempfile.mkdtemp(prefix="bookingest-fuzz-"))
    template = fuzzing.template(work)
    statuses: Counter[str] = Counter()
    failures: list[str] = []
    internal: list[str] = []
    started = time.monotonic()
    done = 0
    for i in range(args.cases):
        if args.minutes is not None and time.monotonic() - started > args.minutes * 60:
            break
        seed = args.seed + i
        sample = samples[seed % len(samples)]
        result = _isolated(sample, seed, work / "case", template, args.memory_mb)
        done += 1
        statuses[result["status"]] += 1
        where = f"{sample.name} seed {seed}"
        if result["problems"]:
            failures.append(f"{where}: {'; '.join(result['problems'])}")
        if result.get("internal"):
            internal.append(f"{where}: {result['internal']}")
        if done % 500 == 0:  # a sign of life on stderr; the figures come at the end
            print(f"{done} cases, {len(failures)} failure(s)", file=sys.stderr, flush=True)
    shutil.rmtree(work, ignore_errors=True)
    elapsed = time.monotonic() - started
    print(f"{done} cases in {elapsed:.0f} s over {len(samples)} samples (seeds {args.seed}..{args.seed + done - 1})")
    print("by outcome: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items())))
    print(f"failures (a rule of tests/fuzzing.py broken, or the process killed): {len(failures)}")
    by_sample = Counter(f.split(" seed ")[0] for f in failures)
    print("failures by sample: " + (", ".join(f"{k}: {v}" for k, v in sorted(by_sample.items())) or "none"))
    print("\n".join(f"  {f}" for f in failures[:50]))
    print(f"files rejected as 'internal error' (a reader's bug, not a crash): {len(internal)}")
    print("\n".join(f"  {f}" for f in internal[:50]))
    return 1 if failures else 0


def _isolated(sample: Path, seed: int, folder: Path, template: Path, memory_mb: int) -> dict[str, object]:
    """One case in a forked child with limits; a child that dies is a failure, named by signal."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: run the case, send its outcome, never return into the parent's code
        os.close(read)
        errors = os.open(folder.parent / "child.err", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        os.dup2(errors, 2)  # what a dying reader says (a Rust panic, an abort) is read below
        limit = memory_mb << 20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        resource.setrlimit(resource.RLIMIT_CPU, (120, 120))
        try:
            outcome = fuzzing.run_case(sample, seed, folder, template)
            status = f"exit {outcome.code}"
            first = next((line for line in outcome.stdout.splitlines() if "internal error" in line), "")
            payload = {"status": status, "problems": outcome.problems, "internal": first.strip()}
        except BaseException as err:  # the fuzzer reports whatever it was
            payload = {"status": "raised", "problems": [f"raised {type(err).__name__}: {err}"[:300]]}
        os.write(write, json.dumps(payload).encode())
        os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 1 << 16):
        chunks.append(chunk)
    os.close(read)
    _, wait_status = os.waitpid(pid, 0)
    if chunks:
        result: dict[str, object] = json.loads(b"".join(chunks))
        return result
    how = f"signal {os.WTERMSIG(wait_status)}" if os.WIFSIGNALED(wait_status) else f"exit {os.WEXITSTATUS(wait_status)}"
    said = (folder.parent / "child.err").read_text(errors="replace").splitlines()
    last = next((line for line in said if "panicked" in line or "memory allocation" in line), said[-1] if said else "")
    return {"status": "process died", "problems": [f"the process died ({how}): {last.strip()[:200]}"]}


if __name__ == "__main__":
    sys.exit(main())
