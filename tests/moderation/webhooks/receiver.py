"""A real HTTP receiver on 127.0.0.1 (random port, its own thread) that checks each request the way an
integration would: the HMAC over timestamp and body with the endpoint's secret, and the timestamp's age."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from moderation.webhooks.signing import verify


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes
    verified: bool
    fresh: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    secret: str = ""
    statuses: list = field(default_factory=list)  # answered in order; 200 once the list is used up
    body: str = "ok"
    headers: dict = field(default_factory=dict)
    received: list = field(default_factory=list)
    delay: float = 0.0  # seconds the receiver takes to answer (a slow integration)
    server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hooks/portal?source=test"

    def start(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's naming
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                stamp = self.headers.get("X-Portal-Timestamp", "")
                receiver.received.append(Received(
                    path=self.path, headers=dict(self.headers.items()), body=body,
                    verified=verify(receiver.secret, stamp, body, self.headers.get("X-Portal-Signature", "")),
                    fresh=stamp.isdigit() and abs(time.time() - int(stamp)) <= 300,
                ))
                if receiver.delay:
                    time.sleep(receiver.delay)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                payload = receiver.body.encode()
                self.send_response(status)
                for name, value in receiver.headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()
