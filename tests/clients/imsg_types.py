#!/usr/bin/env python3
"""Check imsg JSON output field by field and type by type (TOOLS.md).

Usage: imsg_types.py KIND [MIN_LINES] < output
KIND: chat, message, status, group, typing, read, react, sent.
Every line must be one JSON object of that kind: required fields present
with their JSON types, optional fields (marked ?) of their type when
present, nothing null, and no field the kind does not know.  Prints the
problems and exits 1 if there are any (or fewer than MIN_LINES lines).
"""

import json
import sys


def iso_ms(v):
    # 2026-05-16T15:24:36.123Z
    return (isinstance(v, str) and len(v) == 24 and v[4] == "-" and
            v[10] == "T" and v[19] == "." and v.endswith("Z"))


def integer(v):
    return isinstance(v, int) and not isinstance(v, bool)


def string(v):
    return isinstance(v, str)


def boolean(v):
    return isinstance(v, bool)


def strings(v):
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def obj(v):
    return isinstance(v, dict)


# imsg's attachment also has filename, original_path and converted_path:
# paths inside the carapace account, which the gateway's schema drops
# (src/channel/chan-imsg.c), so here they count as unknown fields.
ATTACHMENT = {"transfer_name": string, "uti": string,
              "mime_type": string, "total_bytes": integer,
              "is_sticker": boolean, "missing": boolean,
              "converted_mime_type?": string}
REACTION = {"id": integer, "type": string, "emoji": string,
            "sender": string, "is_from_me": boolean, "created_at": iso_ms,
            "sender_name?": string}


def list_of(spec):
    def check(v):
        return isinstance(v, list) and all(
            isinstance(x, dict) and not problems(x, spec) for x in v)
    return check


KINDS = {
    "chat": {"id": integer, "name": string, "identifier": string,
             "service": string, "last_message_at": iso_ms, "guid": string,
             "display_name?": string, "contact_name?": string,
             "is_group": boolean, "participants": strings,
             "account_id?": string, "account_login?": string,
             "last_addressed_handle?": string},
    "message": {"id": integer, "chat_id": integer, "guid": string,
                "reply_to_guid?": string, "sender": string,
                "sender_name?": string, "is_from_me": boolean,
                "text": string, "created_at": iso_ms,
                "attachments": list_of(ATTACHMENT),
                "reactions": list_of(REACTION), "chat_identifier": string,
                "chat_guid": string, "chat_name": string,
                "participants": strings, "is_group": boolean,
                "destination_caller_id?": string,
                "thread_originator_guid?": string,
                "is_reaction?": boolean, "reaction_type?": string,
                "reaction_emoji?": string, "is_reaction_add?": boolean,
                "reacted_to_guid?": string},
    "status": {"version": string, "basic_features": boolean,
               "advanced_features": boolean, "typing_indicators?": boolean,
               "read_receipts?": boolean, "sip?": string,
               "message?": string, "bridge_version?": integer,
               "v2_ready": boolean, "selectors": obj,
               "rpc_methods": strings},
    # GroupPayload (OutputModels.swift): the account fields are nil-able.
    "group": {"id": integer, "identifier": string, "guid": string,
              "name": string, "service": string, "is_group": boolean,
              "participants": strings, "account_id?": string,
              "account_login?": string, "last_addressed_handle?": string},
    "typing": {"status": string, "duration_s?": string},
    # ReadResult (ReadCommand.swift).
    "read": {"success": boolean, "handle": string,
             "marked_as_read": boolean},
    "react": {"success": boolean, "chat_id": integer,
              "reaction_type": string, "reaction_emoji": string},
    "sent": {"status": string},
}


def problems(o, spec):
    out = []
    known = set()
    for key, check in spec.items():
        optional = key.endswith("?")
        key = key.rstrip("?")
        known.add(key)
        if key not in o:
            if not optional:
                out.append("%s missing" % key)
        elif not check(o[key]):
            out.append("%s=%r has the wrong type" % (key, o[key]))
    out += ["%s is null" % k for k, v in o.items() if v is None]
    out += ["%s is not an imsg field" % k for k in o if k not in known]
    return out


def main():
    spec = KINDS[sys.argv[1]]
    need = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    bad = 0
    n = 0
    for line in sys.stdin:
        n += 1
        try:
            o = json.loads(line)
        except ValueError:
            print("line %d is not JSON: %r" % (n, line[:200]))
            bad += 1
            continue
        if not isinstance(o, dict):
            print("line %d is not an object" % n)
            bad += 1
            continue
        for p in problems(o, spec):
            print("line %d: %s" % (n, p))
            bad += 1
    if n < need:
        print("%d lines, expected at least %d" % (n, need))
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
