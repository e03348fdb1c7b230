"""What one offline guess at a staff secret costs (issue #18): whoever copies the database
file gets the argon2id hashes and can try PINs without the app's lock-out.

    .venv/bin/python bench/argon2_cost.py [--runs 5]

Times one verification (what each guess costs) with the production parameters
(services/admin/users.PRODUCTION_HASHER) and, as the baseline in the same run, with
argon2-cffi's default parameters. CPU time is the attacker's cost (they use every core,
one guess per core); wall time is what a clerk waits at sign-in on this machine as it is
loaded now. Target: >= 0.5 s of CPU per guess.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import argon2

from sadec_desk.services.admin import users


def cost(hasher: argon2.PasswordHasher, runs: int) -> tuple[float, float]:
    """(median CPU seconds, median wall seconds) of one verification."""
    encoded = hasher.hash("246810")
    cpu, wall = [], []
    for _ in range(runs):
        c, w = time.process_time(), time.perf_counter()
        hasher.verify(encoded, "246810")
        cpu.append(time.process_time() - c)
        wall.append(time.perf_counter() - w)
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {platform.platform()}, "
          f"load average {os.getloadavg()[0]:.1f}")
    base = argon2.PasswordHasher()
    prod = users.PRODUCTION_HASHER
    for name, hasher in (("argon2-cffi default (baseline)", base), ("production", prod)):
        cpu, wall = cost(hasher, args.runs)
        print(f"{name:32} t={hasher.time_cost} m={hasher.memory_cost // 1024} MiB "
              f"p={hasher.parallelism}: {cpu:.3f} s CPU, {wall:.3f} s wall per guess")
        if hasher is prod:
            # a 6-digit PIN: a million guesses, half of them on average
            days = 0.5e6 * cpu / 86400
            print(f"  half of the 6-digit PINs on one core: {days:.1f} days; "
                  f"target >= 0.5 s CPU: {'met' if cpu >= 0.5 else 'NOT met'}")


if __name__ == "__main__":
    main()
