#!/usr/bin/env python3
"""Plant secrets in a full inbound message and look for them afterwards.

Usage:
  inbound_plant.py plant IN [KEEP...] > OUT
      IN (JSON) with a one-time code and a reset link appended to every
      string (inside Gmail base64url bodies, "data" and "raw", too),
      except the members named by KEEP (dot paths from the root, e.g.
      envelope.sourceNumber; or =VALUE, any string equal to VALUE): the
      addresses the inbound decision reads, which must stay clean for
      the message to be shown at all.
  inbound_plant.py clean < OUTPUT
      Exit 1, naming the place, if either secret is anywhere in OUTPUT
      (decoded too, where a base64url body is).
  inbound_plant.py same EXPECTED KEY VALUE [IGNORE...] < OUTPUT
      Exit 1 unless some JSON object in OUTPUT (one document, or one per
      line), at any depth, whose KEY is VALUE equals EXPECTED's JSON,
      but for the members named IGNORE (which that path of the tool
      itself prints otherwise).

The secrets are the ones tests/unit/test_schema.c plants.
"""

import base64
import json
import sys

CODE = "482913"
TOKEN = "Zq8Kx3Wm"
PLANT = (" Your verification code is " + CODE +
         ". Reset: https://example.com/reset?token=" + TOKEN)
BODIES = ("data", "raw")


def b64decode(s):
    try:
        return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    except Exception:
        return None


def plant(v, path, keep, key=None):
    if isinstance(v, str):
        if path in keep or "=" + v in keep:
            return v
        if key in BODIES:
            raw = b64decode(v)
            if raw is not None:
                return base64.urlsafe_b64encode(
                    raw + PLANT.encode()).decode().rstrip("=")
        return v + PLANT
    if isinstance(v, list):
        return [plant(e, path, keep, key) for e in v]
    if isinstance(v, dict):
        return {k: plant(e, (path + "." + k).lstrip("."), keep, k)
                for k, e in v.items()}
    return v


def dirty(v, where, key=None):
    out = []
    if isinstance(v, str):
        texts = [v]
        if key in BODIES:
            raw = b64decode(v)
            if raw is not None:
                texts.append(raw.decode("utf-8", "replace"))
        for t in texts:
            if CODE in t or TOKEN in t:
                out.append("%s: %s" % (where, t[:200]))
    elif isinstance(v, list):
        for i, e in enumerate(v):
            out += dirty(e, "%s[%d]" % (where, i), key)
    elif isinstance(v, dict):
        for k, e in v.items():
            out += dirty(e, where + "." + k, k)
    return out


def documents(text):
    text = text.strip()
    if not text:
        return []
    try:
        return [json.loads(text)]
    except ValueError:
        pass
    docs = []
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("data:"):
            line = line[5:]
        try:
            docs.append(json.loads(line))
        except ValueError:
            continue
    return docs


def objects(v):
    if isinstance(v, dict):
        yield v
        for e in v.values():
            yield from objects(e)
    elif isinstance(v, list):
        for e in v:
            yield from objects(e)


def main():
    cmd = sys.argv[1]
    if cmd == "plant":
        with open(sys.argv[2]) as f:
            v = json.load(f)
        print(json.dumps(plant(v, "", set(sys.argv[3:])),
                         separators=(",", ":"), ensure_ascii=False))
        return 0
    text = sys.stdin.read()
    if cmd == "clean":
        found = []
        for i, d in enumerate(documents(text)):
            found += dirty(d, "doc%d" % i)
        # Whatever is not JSON counts too (text output, errors).
        if not found and (CODE in text or TOKEN in text):
            found.append("raw output")
        for f in found:
            print(f)
        return 1 if found else 0
    if cmd == "same":
        with open(sys.argv[2]) as f:
            want = json.load(f)
        key, value = sys.argv[3], sys.argv[4]
        for k in sys.argv[5:]:
            want.pop(k, None)
        for d in documents(text):
            for o in objects(d):
                if str(o.get(key)) == value:
                    o = {k: e for k, e in o.items() if k not in sys.argv[5:]}
                    if o == want:
                        return 0
                    for k in sorted(set(o) | set(want)):
                        if o.get(k) != want.get(k):
                            print("%s: got %s, want %s" % (
                                k, json.dumps(o.get(k))[:150],
                                json.dumps(want.get(k))[:150]))
                    return 1
        print("no object with %s=%s" % (key, value))
        return 1
    return 2


if __name__ == "__main__":
    sys.exit(main())
