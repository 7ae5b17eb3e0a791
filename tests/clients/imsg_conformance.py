#!/usr/bin/env python3
"""Conformance of imsg output with the real tool's recorded shapes.

Usage: imsg_conformance.py FIXDIR TARGET FILE GUID -- COMMAND...
FIXDIR holds the shapes (tests/data/imsg/*.json, see its README); only
those whose "targets" name TARGET ("shim" or "sim") are run.  COMMAND
runs imsg (the shim as the agent, or the simulated imsg); FILE is an
attachment to substitute for {FILE}, GUID a chat guid for {GUID}.  Each
CLI shape is run with its argv, each rpc shape as one request to
"imsg rpc --json"; the answer must have the recorded shape: the same
keys (less the optional ones it may omit), the same JSON types, the
exact values where the shape says so, no null.  Prints one
"PASS <what>" or "FAIL <what>: <why>" line per check.
"""

import glob
import json
import os
import subprocess
import sys

DEADLINE = 30  # seconds for one command (a bound, not a check)
checks = []


def check(what, cond, why=""):
    checks.append(bool(cond))
    print(("PASS %s" % what) if cond else ("FAIL %s: %s" % (what, why)),
          flush=True)
    return bool(cond)


def kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "real"
    if isinstance(v, str):
        return "str"
    if isinstance(v, list):
        kinds = sorted(set(kind(x) for x in v))
        return "list(%s)" % ",".join(kinds) if kinds else "list"
    return "obj"


def same_kind(got, want):
    kg, kw = kind(got), kind(want)
    # An empty list fits any list, and any list fits an empty one.
    if kg.startswith("list") and kw.startswith("list"):
        return kg == "list" or kw == "list" or kg == kw
    return kg == kw


def shape_errors(got, want, optional, exact):
    if not isinstance(got, dict):
        return ["not an object: %r" % (got,)]
    bad = []
    for k in got:
        if k not in want:
            bad.append("unknown key %s" % k)
        elif got[k] is None:
            bad.append("%s is null" % k)
        elif not same_kind(got[k], want[k]):
            bad.append("%s is %s, not %s" % (k, kind(got[k]), kind(want[k])))
    for k in want:
        if k not in got and k not in optional:
            bad.append("%s missing" % k)
    for k in exact:
        if k in got and got[k] != want[k]:
            bad.append("%s=%r, not %r" % (k, got[k], want[k]))
    return bad


def substitute(v, subst):
    if isinstance(v, str):
        for key, value in subst.items():
            v = v.replace(key, value)
        return v
    if isinstance(v, list):
        return [substitute(x, subst) for x in v]
    if isinstance(v, dict):
        return {k: substitute(x, subst) for k, x in v.items()}
    return v


def run_cli(cmd, name, fix, subst):
    argv = substitute(fix["argv"], subst)
    p = subprocess.run(cmd + argv, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=DEADLINE)
    out = p.stdout.decode("utf-8", "replace")
    lines = [l for l in out.splitlines() if l.strip()]
    check("%s: exit %d" % (name, fix["exit"]), p.returncode == fix["exit"],
          "exit %d, output %r" % (p.returncode, out[:400]))
    # OpenClaw reads the last JSON line of stdout.
    try:
        got = json.loads(lines[-1])
    except (IndexError, ValueError):
        check("%s: a JSON line" % name, False, repr(out[:400]))
        return
    bad = shape_errors(got, fix["output"], fix.get("optional", []),
                       fix.get("exact", []))
    check("%s: the real tool's shape" % name, not bad,
          "; ".join(bad) + " in " + lines[-1][:400])


def run_rpc(cmd, name, fix, subst):
    req = {"jsonrpc": "2.0", "id": 1, "method": fix["rpc"]["method"],
           "params": substitute(fix["rpc"]["params"], subst)}
    p = subprocess.run(cmd + ["rpc", "--json"],
                       input=(json.dumps(req) + "\n").encode(),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       timeout=DEADLINE)
    answer = None
    for line in p.stdout.decode("utf-8", "replace").splitlines():
        try:
            v = json.loads(line)
        except ValueError:
            continue
        if isinstance(v, dict) and v.get("id") == 1:
            answer = v
    if not check("%s: answered" % name, answer is not None,
                 repr(p.stdout[:400])):
        return
    check("%s: jsonrpc 2.0" % name, answer.get("jsonrpc") == "2.0",
          repr(answer))
    part = "result" if "result" in fix["output"] else "error"
    if not check("%s: an %s" % (name, part), part in answer, repr(answer)):
        return
    bad = shape_errors(answer[part], fix["output"][part],
                       fix.get("optional", []), fix.get("exact", []))
    check("%s: the real tool's shape" % name, not bad,
          "; ".join(bad) + " in " + json.dumps(answer)[:400])


def main():
    if len(sys.argv) < 7 or sys.argv[5] != "--":
        sys.exit(__doc__)
    fixdir, target, attachment, guid = sys.argv[1:5]
    cmd = sys.argv[6:]
    subst = {"{FILE}": attachment, "{GUID}": guid}
    n = 0
    for path in sorted(glob.glob(os.path.join(fixdir, "*.json"))):
        with open(path) as f:
            fix = json.load(f)
        if target not in fix["targets"]:
            continue
        n += 1
        name = os.path.basename(path)[:-5]
        if "rpc" in fix:
            run_rpc(cmd, name, fix, subst)
        else:
            run_cli(cmd, name, fix, subst)
    check("%d shapes run for %s" % (n, target), n > 0)
    sys.exit(0 if all(checks) else 1)


if __name__ == "__main__":
    main()
