#!/usr/bin/env python3
"""Summarizes run documents for scripts/real-model.

    presswork runs show RUN --json | summarize-run.py SECONDS    one JSON line for the run
    summarize-run.py --table FILE                                  a table of those lines
"""
import json
import sys


def line(document, seconds):
    diagnostics = document.get("diagnostics", [])
    kinds = [d.get("kind") for d in diagnostics]
    warnings = [d.get("message", "") for d in diagnostics if d.get("kind") == "warning"]
    errors = [d.get("message", "") for d in diagnostics if d.get("kind") == "error"]
    totals = document.get("totals") or {}
    return {
        "runId": document.get("runId"), "seed": (document.get("params") or {}).get("seeds", [""])[0],
        "status": document.get("status"), "reason": document.get("statusReason"),
        "rounds": len(document.get("artifacts") or {}), "retries": kinds.count("retry"),
        "normalizations": len(warnings), "warnings": warnings[:20],
        "errors": errors, "tokensIn": totals.get("tokensIn"), "tokensOut": totals.get("tokensOut"),
        "seconds": seconds,
    }


def table(path):
    rows = [json.loads(l) for l in open(path) if l.strip()]
    print(f"{'seed':<32} {'status':<13} {'rounds':>6} {'retries':>7} {'warnings':>8} {'tokens in/out':>15} {'time':>6}")
    for r in rows:
        tokens = f"{r['tokensIn']}/{r['tokensOut']}"
        print(f"{r['seed'][:32]:<32} {r['status']:<13} {r['rounds']:>6} {r['retries']:>7} {len(r['warnings']):>8} "
              f"{tokens:>15} {r['seconds']:>5}s")
    statuses = {}
    for r in rows:
        statuses[r["status"]] = statuses.get(r["status"], 0) + 1
    print("statuses: " + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())))
    for r in rows:
        for e in r["errors"]:
            print(f"error in {r['seed']}: {e[:300]}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--table"]:
        table(sys.argv[2])
    else:
        print(json.dumps(line(json.load(sys.stdin), int(sys.argv[1]) if len(sys.argv) > 1 else None)))
