"""Drive wrk against a URL and read its figures."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from dataclasses import asdict, dataclass

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


@dataclass
class Run:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    non_2xx_3xx: int
    socket_errors: int

    def as_dict(self) -> dict:
        return asdict(self)


def ensure_wrk() -> str:
    """The wrk binary, installed with apt when it is missing (Debian, as root)."""
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=False, capture_output=True)
    if not shutil.which("wrk"):
        subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
        subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, capture_output=True)
    return shutil.which("wrk") or "wrk"


def _ms(text: str) -> float:
    match = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text.strip())
    if not match:
        return 0.0
    return float(match.group(1)) * _UNITS[match.group(2)]


def parse(output: str) -> Run:
    def number(pattern: str) -> float:
        match = re.search(pattern, output)
        return float(match.group(1)) if match else 0.0

    def latency(percent: str) -> float:
        match = re.search(rf"^\s+{percent}%\s+(\S+)\s*$", output, re.MULTILINE)
        return _ms(match.group(1)) if match else 0.0

    errors = re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output
    )
    return Run(
        requests_per_s=number(r"Requests/sec:\s+([\d.]+)"),
        p50_ms=latency("50"),
        p99_ms=latency("99"),
        requests=int(number(r"(\d+) requests in")),
        non_2xx_3xx=int(number(r"Non-2xx or 3xx responses: (\d+)")),
        socket_errors=sum(int(n) for n in errors.groups()) if errors else 0,
    )


def run(
    url: str,
    *,
    seconds: int,
    connections: int = 32,
    threads: int = 2,
    headers: dict[str, str] | None = None,
    body: str | None = None,
) -> Run:
    """One wrk run; `body` makes it a form POST."""
    command = [
        ensure_wrk(),
        f"-t{threads}",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "--timeout",
        "30s",
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    script = None
    if body is not None:
        script = tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False)  # noqa: SIM115
        lua_body = body.replace("\\", "\\\\").replace('"', '\\"')
        script.write(
            'wrk.method = "POST"\n'
            f'wrk.body = "{lua_body}"\n'
            'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"\n'
        )
        script.close()
        command += ["-s", script.name]
    output = subprocess.run(
        [*command, url], capture_output=True, text=True, check=False, timeout=seconds + 60
    ).stdout
    return parse(output)
