#!/usr/bin/python3
"""Resident memory of fraudscore-agent: runs it in JSON-lines mode over the
shipped models, scores the example rows of every model kind (repeated with
fresh account ids so that many keys are tracked), and prints the peak
resident set size of the process (getrusage of the child; under qemu-user
this includes the emulator).

  bench/agent_memory.py [--emulator "qemu-aarch64 -L ..."] AGENT_BINARY
"""
import argparse
import csv
import json
import os
import resource
import shlex
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = {"crnn-on-device": ("transactions.csv", "nameOrig"), "lstm_attn-sme": ("sme_payments.csv", "enterprise_id"),
            "lle_svm-listed": ("company_years.csv", "company_id")}


def transactions(model, columns, copies):
    path, key = EXAMPLES[model]
    with open(os.path.join(REPO, "examples", path)) as f:
        rows = list(csv.DictReader(f))
    for copy in range(copies):
        for row in rows:
            txn = {}
            for c in columns:
                value = row.get(c["name"], "")
                if value == "":
                    continue
                txn[c["name"]] = float(value) if c["type"] in ("numeric", "time") else value
            txn[key] = "%s-%d" % (txn[key], copy)
            yield txn


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("agent")
    parser.add_argument("--emulator", default="", help="command prefix, e.g. a qemu-user invocation")
    parser.add_argument("--copies", type=int, default=20, help="times each example file is sent (new ids each time)")
    args = parser.parse_args()
    command = shlex.split(args.emulator) + [args.agent]
    with tempfile.TemporaryDirectory() as tmp:
        base = command + ["--stdio", "--model-dir", os.path.join(REPO, "models"), "--state-db",
                          os.path.join(tmp, "state.db"), "--durability", "normal"]
        described = subprocess.run(base, input='{"op": "models"}\n', capture_output=True, text=True, check=True)
        models = {m["name"]: m for m in json.loads(described.stdout.splitlines()[0])["body"]["models"]}
        lines = []
        for name in EXAMPLES:
            for txn in transactions(name, models[name]["columns"], args.copies):
                lines.append(json.dumps({"op": "score", "model": name, "transaction": txn}))
        lines.append(json.dumps({"op": "metrics"}))
        start = time.monotonic()
        done = subprocess.run(base, input="\n".join(lines) + "\n", capture_output=True, text=True, check=True)
        seconds = time.monotonic() - start
    answers = [json.loads(l) for l in done.stdout.splitlines()]
    failed = [a for a in answers[:-1] if a["status"] != 200]
    if failed:
        sys.exit("requests failed: %s" % failed[:3])
    keys = sum(int(float(l.split()[-1])) for l in answers[-1]["body"].splitlines()
               if l.startswith("fraudscore_tracked_keys"))
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print("agent memory: %d scores of %d models, %d tracked keys, peak RSS %d KiB (%.1f MiB), %.1f s%s"
          % (len(lines) - 1, len(EXAMPLES), keys, peak_kib, peak_kib / 1024.0, seconds,
             ", under " + os.path.basename(shlex.split(args.emulator)[0]) if args.emulator else ""))


if __name__ == "__main__":
    main()
