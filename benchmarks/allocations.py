"""Bytes allocated while building one batch's world (setup), checkouts side by side.

Setup samples every input of a batch as (month, replication, city) arrays, and
each temporary array is memory the kernel hands over afresh, page by page.
Python's ``tracemalloc`` sees only the blocks alive at a moment, so this counts
every ``malloc``, ``calloc`` and ``realloc`` instead, through a small counter
compiled with the system's C compiler and preloaded (Linux, glibc)::

    python benchmarks/allocations.py /work/wt-base /work/main

Prints, per checkout, the megabytes allocated while building a 250-replication
batch of the 50-city benchmark workload, all blocks and blocks of 64 KiB or
more (numpy's arrays; Python's small objects come from its own arenas).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

COUNTER = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <string.h>
static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static unsigned long long all_bytes, big_bytes;
static char early[65536];
static size_t early_used;
static int starting;
static void *early_block(size_t n) {
  void *p = early + early_used;
  early_used += (n + 15) & ~(size_t)15;
  memset(p, 0, n);
  return p;
}
static void start(void) {
  starting = 1;
  real_malloc = dlsym(RTLD_NEXT, "malloc");
  real_calloc = dlsym(RTLD_NEXT, "calloc");
  real_realloc = dlsym(RTLD_NEXT, "realloc");
  starting = 0;
}
static void count(size_t n) { all_bytes += n; if (n >= 65536) big_bytes += n; }
void *malloc(size_t n) {
  if (!real_malloc) { if (starting) return early_block(n); start(); }
  count(n); return real_malloc(n);
}
void *calloc(size_t a, size_t b) {
  if (!real_calloc) { if (starting) return early_block(a * b); start(); }
  count(a * b); return real_calloc(a, b);
}
void *realloc(void *p, size_t n) {
  if (!real_realloc) start();
  count(n); return real_realloc(p, n);
}
unsigned long long allocated_all(void) { return all_bytes; }
unsigned long long allocated_big(void) { return big_bytes; }
"""

CHILD = r"""
import ctypes, sys
sys.path.insert(0, sys.argv[1] + "/benchmarks")
counter = ctypes.CDLL(None)
counter.allocated_all.restype = counter.allocated_big.restype = ctypes.c_ulonglong
import sim
from bench_run import synthetic_scenario
from sim.model.plan import build_plan
from sim.model.world import World
plan = build_plan(sim.load(synthetic_scenario(50)))
World(plan, 11, range(4), keep=0)  # warm caches and imports
before = counter.allocated_all(), counter.allocated_big()
world = World(plan, 11, range(int(sys.argv[2])), keep=0)
print((counter.allocated_all() - before[0]) / 1e6, (counter.allocated_big() - before[1]) / 1e6)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("repos", nargs="+", help="checkouts to measure")
    parser.add_argument("--replications", type=int, default=250)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        library = Path(scratch) / "counter.so"
        source = Path(scratch) / "counter.c"
        source.write_text(COUNTER)
        subprocess.run(["cc", "-shared", "-fPIC", "-O2", "-o", str(library), str(source),
                        "-ldl"], check=True)
        for repo in args.repos:
            env = {**os.environ, "PYTHONPATH": repo, "LD_PRELOAD": str(library)}
            done = subprocess.run([sys.executable, "-c", CHILD, repo, str(args.replications)],
                                  env=env, capture_output=True, text=True, check=True, cwd=repo)
            every, big = map(float, done.stdout.split()[-2:])
            print(f"{repo}: setup of {args.replications} replications allocated {every:,.0f} MB "
                  f"({big:,.0f} MB in blocks of 64 KiB or more)")


if __name__ == "__main__":
    main()
