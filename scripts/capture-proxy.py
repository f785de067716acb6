#!/usr/bin/env python3
"""A loopback proxy that records chat completions: every POST to /v1/chat/completions is
forwarded to the upstream server, and the schema name, the reply's content and its finish
reason are appended to a JSON-lines file. Used to capture a real model's replies as fixtures
for the normalization tests (Tests/PressworkProvidersTests/Fixtures/).

    python3 scripts/capture-proxy.py --port 18090 --upstream http://127.0.0.1:18080 --out replies.jsonl
    OPENAI_BASE_URL=http://127.0.0.1:18090/v1 presswork run --llm openai …
"""
import argparse
import json
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()


def make_handler(upstream, out):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            request = urllib.request.Request(upstream + self.path, data=body, headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=600) as reply:
                    status, data = reply.status, reply.read()
            except urllib.error.HTTPError as error:
                status, data = error.code, error.read()
            if self.path.endswith("/chat/completions") and status == 200:
                sent = json.loads(body)
                answer = json.loads(data)
                schema = ((sent.get("response_format") or {}).get("json_schema") or {}).get("name")
                choice = answer["choices"][0]
                with lock, open(out, "a") as file:
                    file.write(json.dumps({"schema": schema, "finishReason": choice.get("finish_reason"),
                                           "content": choice["message"].get("content")}) + "\n")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=18090)
    parser.add_argument("--upstream", default="http://127.0.0.1:18080")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    ThreadingHTTPServer(("127.0.0.1", args.port), make_handler(args.upstream.rstrip("/"), args.out)).serve_forever()


if __name__ == "__main__":
    main()
