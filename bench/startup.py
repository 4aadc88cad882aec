"""Start-up time of the command line: ``fcgilint --version`` and a check of one small file.

pre-commit and editors start fcgilint for every run, so start-up is most of
what users wait for. Prints the median of N runs (and min/max) in ms, and
exits 1 if a median misses its goal.

    python bench/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

GOALS_MS = {"--version": 150.0, "check one file": 300.0}
SMALL_CONF = (
    "FcgidMaxRequestsPerProcess 500\n<VirtualHost *:80>\n    FcgidWrapper /usr/bin/php-cgi .php\n</VirtualHost>\n"
)


def timed(argv: list[str], runs: int) -> list[float]:
    """Wall-clock milliseconds of each run (after one warm-up run for the OS file cache)."""
    subprocess.run(argv, capture_output=True, check=False)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, capture_output=True, check=False)
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=21)
    runs = parser.parse_args().runs
    base = [sys.executable, "-m", "fcgilint"]
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp) / "httpd.conf"
        conf.write_text(SMALL_CONF)
        cases = {
            "--version": [*base, "--version"],
            "check one file": [*base, "check", "--exit-zero", "--format", "json", str(conf)],
        }
        missed = False
        for name, argv in cases.items():
            samples = timed(argv, runs)
            median = statistics.median(samples)
            missed |= median > GOALS_MS[name]
            verdict = "ok" if median <= GOALS_MS[name] else "over goal"
            print(
                f"{name:<16} median {median:6.1f} ms  min {min(samples):6.1f}  max {max(samples):6.1f}  goal < "
                f"{GOALS_MS[name]:.0f} ms  {verdict}  (n={runs})"
            )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
