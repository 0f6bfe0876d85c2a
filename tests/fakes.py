"""Test doubles that stand in for services outside the project."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


def nominatim_place(lat: float, lon: float, name: str, **extra) -> dict:
    """One result as Nominatim's jsonv2 gives it: coordinates are strings."""
    return {
        "place_id": abs(hash(name)) % 10**9,
        "lat": str(lat),
        "lon": str(lon),
        "display_name": name,
        "category": "place",
        "type": "house",
        "importance": 0.5,
        **extra,
    }


HIGH_STREET = nominatim_place(51.5101, -0.1402, "12, High Street, Borough, London, E1 6AN")
MARKET_SQUARE = nominatim_place(51.5200, -0.1000, "Market Square, Borough, London")
PARIS = nominatim_place(48.8566, 2.3522, "12, Rue de Rivoli, Paris, France")


class FakeNominatim:
    """A Nominatim stand-in on 127.0.0.1: answers every GET with `places` as JSON, or
    with `status` and `body` when a test sets them. Records each request's query."""

    def __init__(self) -> None:
        self.places: list[dict] = []
        self.status = 200
        self.body: bytes | None = None
        self.requests: list[dict] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = {k: v[0] for k, v in parse_qs(urlsplit(self.path).query).items()}
                fake.requests.append({"query": query, "headers": dict(self.headers)})
                body = fake.body if fake.body is not None else json.dumps(fake.places).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/search"
        # A short poll interval: shutdown() waits for one, and every test stops a server.
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def __enter__(self) -> FakeNominatim:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


class FakeWebhookReceiver:
    """A webhook receiver on 127.0.0.1 (its URL names it "localhost") that records every
    POST (headers, raw body, and whether its X-Civic-Signature checks out with
    `secret`), answering `status` (with a Location header when `location` is set); with
    `hold` set it answers only after that many seconds (or when the test ends), to
    stand for a receiver that is too slow."""

    def __init__(self, secret: str = "") -> None:
        self.secret = secret
        self.status = 200
        self.location = ""
        self.hold: float = 0
        self.received: list[dict] = []
        self._released = threading.Event()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                fake.received.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": body,
                        "signed": fake.verify(self.headers.get("X-Civic-Signature", ""), body),
                    }
                )
                if fake.hold:
                    fake._released.wait(fake.hold)
                answer = b'{"ok": true}'
                try:
                    self.send_response(fake.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(answer)))
                    if fake.location:
                        self.send_header("Location", fake.location)
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:  # the sender gave up waiting
                    pass

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        # "localhost": the name settings.WEBHOOK_ALLOWED_HOSTS lets through in tests.
        self.url = f"http://localhost:{self.server.server_address[1]}/hooks/civic"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def verify(self, header: str, body: bytes) -> bool:
        """The receiver's side of the signature, as the Open311 page documents it."""
        parts = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
        if not self.secret or "t" not in parts or "v1" not in parts:
            return False
        expected = hmac.new(
            self.secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        return hmac.compare_digest(expected, parts["v1"])

    def __enter__(self) -> FakeWebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._released.set()
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()
