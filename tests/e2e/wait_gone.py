#!/usr/bin/env python3
"""Wait for every process of the given process groups to exit, on the
kernel's word (pidfd: readable when the process exits), then say which
are still alive.  A zombie counts as gone: it runs nothing.

    wait_gone.py [-t SECONDS] PGID...
Prints "none" and exits 0 once every member has exited; prints the pids
still alive and exits 1 if some remain when the guard (default 60 s, only
there so that a broken test ends) runs out.
"""
import os
import select
import sys


def alive_members(groups):
    found = []
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        # pid (comm) state ppid pgrp ...; comm may hold spaces.
        fields = stat[stat.rindex(")") + 2:].split()
        if fields[0] != "Z" and int(fields[2]) in groups:
            found.append(int(name))
    return found


def main():
    args = sys.argv[1:]
    guard = 60.0
    if len(args) >= 2 and args[0] == "-t":
        guard = float(args[1])
        args = args[2:]
    groups = set(int(a) for a in args)
    fds = []
    for pid in alive_members(groups):
        try:
            fds.append(os.pidfd_open(pid))
        except ProcessLookupError:
            pass
    while fds:
        ready, _, _ = select.select(fds, [], [], guard)
        if not ready:
            break
        for fd in ready:
            fds.remove(fd)
            os.close(fd)
    left = alive_members(groups)
    print(" ".join(str(p) for p in left) if left else "none")
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
