"""Where the controller's time goes: ``py-spy record`` attached to the running controller
for the sync stretch of a benchmark (``bench_flux.py --py-spy DIR``), and a summary of
its raw (collapsed) stacks by the gitopsd function that was running or waiting.

py-spy is not a dependency of the project: install it into the venv
(``.venv/bin/pip install py-spy``) to use this. Two recordings are taken: one of CPU
(``--gil``: only samples that hold the interpreter lock) and one of wall time
(``--idle``: every thread, also while it waits on a socket or a lock), so that
"where the CPU goes" and "what the workers wait on" can be told apart.

Run alone on a recording: ``.venv/bin/python -m bench.flux.profiling FILE [--top 30]``.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import subprocess
from collections import Counter
from pathlib import Path


class PySpy:
    """Two py-spy recorders on ``pid`` until :meth:`stop`; no-op when py-spy is missing."""

    def __init__(self, pid: int, out_dir: Path, label: str) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        self.outputs: list[Path] = []
        binary = shutil.which("py-spy")
        if binary is None:
            print("    py-spy is not installed: no profile", flush=True)
            return
        out_dir.mkdir(parents=True, exist_ok=True)
        for mode, flag in (("cpu", "--gil"), ("wall", "--idle")):
            output = out_dir / f"{label}-{mode}.txt"
            command = [binary, "record", "--pid", str(pid), "--rate", "20", "--format", "raw"]
            command += ["--nonblocking", flag, "--output", str(output)]
            self.processes.append(
                subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            )
            self.outputs.append(output)

    def stop(self) -> list[Path]:
        for process in self.processes:
            process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
        return [path for path in self.outputs if path.exists()]


def summarize(path: Path, top: int = 25) -> list[str]:
    """Samples by the innermost gitopsd frame (what gitopsd code was running or waiting
    in) and by the innermost frame of all (the library call at the bottom)."""
    ours: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in path.read_text().splitlines():
        stack, _, count_text = line.rpartition(" ")
        if not count_text.isdigit():
            continue
        count = int(count_text)
        total += count
        frames = stack.split(";")
        leaves[frames[-1]] += count
        mine = [f for f in frames if "gitopsd" in f and "bench" not in f]
        ours[mine[-1] if mine else "(outside gitopsd)"] += count
    lines = [f"{path.name}: {total} samples"]
    for title, counter in (("innermost gitopsd frame", ours), ("innermost frame", leaves)):
        lines.append(f"  by {title}:")
        for frame, count in counter.most_common(top):
            lines.append(f"    {100 * count / max(total, 1):5.1f}%  {frame}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="+", type=Path)
    parser.add_argument("--top", type=int, default=25)
    args = parser.parse_args()
    for path in args.files:
        print("\n".join(summarize(path, args.top)))


if __name__ == "__main__":
    main()
