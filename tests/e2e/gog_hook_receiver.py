#!/usr/bin/env python3
# A stand-in for OpenClaw's Gmail hook (openclaw src/hooks/gmail.ts
# points `gog gmail watch serve --hook-url` at http://127.0.0.1:PORT/
# hooks/gmail): listens on a loopback port, writes the port to PORTFILE
# (a FIFO: the test blocks on it instead of sleeping), records each
# request as one JSON line {method, path, headers, body} in OUT, answers
# STATUS, and exits after COUNT requests.
#
# usage: gog_hook_receiver.py PORTFILE OUT COUNT [STATUS]
import http.server
import json
import sys

portfile, out, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
status = int(sys.argv[4]) if len(sys.argv) > 4 else 200
seen = 0


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        global seen
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8", "replace")
        with open(out, "a") as f:
            f.write(json.dumps({"method": "POST", "path": self.path,
                                "headers": {k.lower(): v for k, v in
                                            self.headers.items()},
                                "body": body}) + "\n")
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()
        seen += 1

    def log_message(self, *args):
        pass


srv = http.server.HTTPServer(("127.0.0.1", 0), Hook)
with open(portfile, "w") as f:
    f.write("%d\n" % srv.server_address[1])
while seen < count:
    srv.handle_request()
