#!/usr/bin/env python3
"""A plain JSON-RPC client as other programs write one: send the whole
request (sendall), then read one answer line.  Unlike the shims and
rawclient it does not forgive a failed write: a broken pipe is an error.

    strict_client.py SOCKET < request-line
Prints the answer line; exit 0, or 2 with the error on stdout.
"""
import socket
import sys


def main():
    data = sys.stdin.buffer.read()
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    try:
        s.connect(sys.argv[1])
        s.sendall(data)
        answer = b""
        while not answer.endswith(b"\n"):
            chunk = s.recv(65536)
            if not chunk:
                break
            answer += chunk
    except OSError as e:
        print("strict_client: %s" % e)
        return 2
    sys.stdout.write(answer.decode("utf-8", "replace"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
