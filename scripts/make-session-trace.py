#!/usr/bin/env python3
"""Writes a block-hash trace of multi-turn sessions (JSON Lines, Mooncake's format) for
BENCHMARKS.md: SESSIONS sessions of TURNS turns, sessions starting as a Poisson process at
RATE per second, first prompts of 600-1,400 tokens, outputs of 60-200, each later turn the
previous prompt and output plus 50-300 new tokens, arriving a `delay` (exponential, mean
2 s) after the previous turn completed. With --system N, every prompt starts with the same
N blocks (a shared system prompt), so sharing branches below it (nested prefixes).

With --from-report REPORT (a pdsim JSON report with per-request records of a run with
`workload.sessions`), writes the requests of that run instead: each session's first turn at
its arrival, each later turn with the `delay` after the previous turn completed that it had,
and `hash_ids` that extend the previous turn's full blocks, so replaying the trace on the
same cluster serves the same requests as generating them.

usage: make-session-trace.py [--sessions 20000] [--turns 5] [--rate 16] [--system 0] > FILE
       make-session-trace.py --from-report REPORT > FILE
"""
import argparse
import json
import random
import sys

BLOCK = 512


def from_report(path, out):
    requests = json.load(open(path))["requests"]
    last = {}  # session -> (arrival, e2e, length, block ids)
    next_id = 1
    for r in requests:
        s = r["session"]
        length = r["input_tokens"]
        blocks = -(-length // BLOCK)
        rec = {"timestamp": r["arrival_ms"], "input_length": length,
               "output_length": r["output_tokens"]}
        ids = []
        if s in last:
            arrival, e2e, prev_len, prev_ids = last[s]
            ids = prev_ids[:prev_len // BLOCK]
            rec["delay"] = round(r["arrival_ms"] - (arrival + e2e), 6)
        while len(ids) < blocks:
            ids.append(next_id)
            next_id += 1
        rec["hash_ids"] = ids
        rec["session_id"] = s
        out.write(json.dumps(rec, separators=(", ", ": ")) + "\n")
        last[s] = (r["arrival_ms"], r["e2e_ms"], length, ids)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--from-report")
    ap.add_argument("--sessions", type=int, default=20000)
    ap.add_argument("--turns", type=int, default=5)
    ap.add_argument("--rate", type=float, default=16.0)
    ap.add_argument("--system", type=int, default=0, help="shared leading blocks")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    if a.from_report:
        from_report(a.from_report, sys.stdout)
        return
    rng = random.Random(a.seed)
    next_id = 1 + a.system
    system = list(range(1, 1 + a.system))
    t = 0.0
    out = sys.stdout
    for s in range(a.sessions):
        t += rng.expovariate(a.rate) * 1000.0
        length = len(system) * BLOCK + rng.randint(600, 1400)
        ids = list(system)
        for turn in range(a.turns):
            output = rng.randint(60, 200)
            blocks = -(-length // BLOCK)
            # Full blocks keep their ids; the rest (a grown partial block) are new.
            while len(ids) < blocks:
                ids.append(next_id)
                next_id += 1
            rec = {"timestamp": round(t, 3), "input_length": length,
                   "output_length": output, "hash_ids": ids[:blocks], "session_id": s}
            if turn > 0:
                rec["delay"] = round(rng.expovariate(1 / 2000.0), 3)
            out.write(json.dumps(rec, separators=(", ", ": ")) + "\n")
            full = length // BLOCK
            ids = ids[:full]
            length += output + rng.randint(50, 300)


main()
