"""The scale-out suite: two gunicorn nodes sharing PostgreSQL, Redis and an S3 store.

Everything runs on loopback as separate processes, the way a city would run
several nodes behind a load balancer: a PostgreSQL database of its own on the
server `make test` starts, the Redis daemon `scripts/test-services.sh` starts
(or a private redis-server when none answers), and moto's S3 server on a free
port. The nodes are production settings (DEBUG off) with tests/scaleout/settings.py.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = os.environ.get("SCALEOUT_POSTGRES", "postgres://civic:civic@127.0.0.1:5432")
REDIS = os.environ.get("SCALEOUT_REDIS_URL", "redis://127.0.0.1:6390/0")
BUCKET = "civic-photos"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check: Callable[[], object], timeout: float = 30, what: str = "") -> object:
    """Poll `check` until it returns something truthy (servers start in their own time)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            result = check()
        except (OSError, requests.RequestException, psycopg.Error):
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what or check}")
        time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class Cluster:
    env: dict[str, str]
    database_url: str
    s3_url: str
    tmp: Path

    def manage(self, *args: str, code: str | None = None) -> str:
        """Run a manage.py command (or Python code in the shell) against the shared services."""
        command = [sys.executable, "manage.py", *args]
        if code is not None:
            command = [sys.executable, "manage.py", "shell", "-c", code]
        result = subprocess.run(
            command, cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stdout + result.stderr
        return result.stdout

    def sql(self, query: str, *params) -> list[tuple]:
        with psycopg.connect(self.database_url) as conn:
            return conn.execute(query, params).fetchall()

    def node_env(self, name: str) -> dict[str, str]:
        # Each node has its own data folder: nothing may be shared through the local disk.
        data = self.tmp / name
        data.mkdir(exist_ok=True)
        return {**self.env, "DATA_DIR": str(data)}

    def spawn(self, name: str, *args: str, **env: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, *args],
            cwd=ROOT,
            env={**self.node_env(name), **env},
            stdout=open(self.tmp / f"{name}.out", "w"),
            stderr=open(self.tmp / f"{name}.log", "w"),
        )


def _redis_url(tmp: Path) -> Iterator[str]:
    import redis

    try:
        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
        yield REDIS
        return
    except redis.RedisError:
        pass
    if not shutil.which("redis-server"):
        pytest.fail(f"No Redis answers at {REDIS} and redis-server is not installed.")
    port = free_port()
    server = subprocess.Popen(
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--save",
            "",
            "--dir",
            str(tmp),
        ],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    wait_until(lambda: redis.Redis.from_url(url).ping(), what="redis-server")
    try:
        yield url
    finally:
        stop(server)


@pytest.fixture(scope="session")
def cluster(tmp_path_factory) -> Iterator[Cluster]:
    tmp = tmp_path_factory.mktemp("scaleout")
    name = f"civic_scaleout_{os.getpid()}"
    with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = f"{POSTGRES}/{name}"

    s3_port = free_port()
    s3 = subprocess.Popen(
        [str(Path(sys.executable).with_name("moto_server")), "-H", "127.0.0.1", "-p", str(s3_port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    s3_url = f"http://127.0.0.1:{s3_port}"
    redis_urls = _redis_url(tmp)
    try:
        redis_url = next(redis_urls)
        wait_until(lambda: requests.get(s3_url, timeout=1).ok, what="moto_server")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(tmp),
            "DJANGO_SETTINGS_MODULE": "tests.scaleout.settings",
            "DEBUG": "false",
            "SECRET_KEY": "scale-out-test-only-secret-0123456789-abcdefghijklmnop",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": name,
            "AWS_STORAGE_BUCKET_NAME": BUCKET,
            "AWS_S3_ENDPOINT_URL": s3_url,
            "AWS_S3_REGION_NAME": "us-east-1",
            "AWS_ACCESS_KEY_ID": "scaleout",
            "AWS_SECRET_ACCESS_KEY": "scaleout",
            "LOG_LEVEL": "WARNING",
            "DATA_DIR": str(tmp / "manage"),
        }
        import boto3

        boto3.client(
            "s3",
            endpoint_url=s3_url,
            region_name="us-east-1",
            aws_access_key_id="scaleout",
            aws_secret_access_key="scaleout",
        ).create_bucket(Bucket=BUCKET)
        cluster = Cluster(env=env, database_url=database_url, s3_url=s3_url, tmp=tmp)
        cluster.manage("migrate", "-v0")
        yield cluster
    finally:
        redis_urls.close()
        stop(s3)
        with psycopg.connect(f"{POSTGRES}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass
class Node:
    name: str
    url: str


@pytest.fixture(scope="session")
def nodes(cluster) -> Iterator[tuple[Node, Node]]:
    """Two gunicorn instances on different loopback ports, sharing everything else."""
    started = []
    try:
        for name in ("node-a", "node-b"):
            port = free_port()
            process = cluster.spawn(
                name,
                "-m",
                "gunicorn",
                "civic.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--threads",
                "2",
                "--worker-class",
                "gthread",
                # gunicorn's control socket has one default path: two nodes would share it.
                "--no-control-socket",
            )
            started.append((process, Node(name, f"http://127.0.0.1:{port}")))
        for process, node in started:
            wait_until(
                lambda node=node, process=process: (
                    process.poll() is None
                    and requests.get(f"{node.url}/open311/v2/discovery.json", timeout=5).ok
                ),
                timeout=60,
                what=node.name,
            )
        yield started[0][1], started[1][1]
    finally:
        for process, _node in started:
            stop(process)


@pytest.fixture(scope="session")
def city(cluster) -> dict:
    """A service, an authority covering the demo area, and a topic to talk in."""
    out = cluster.manage(
        code="""
import json
from tests import factories
service = factories.make_service(code="pothole", name="Pothole")
authority = factories.make_authority(services=[service], name="Borough", slug="borough")
topic = factories.make_topic(title="Where should the new bench go?")
print(json.dumps({"topic": topic.pk}))
"""
    )
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture
def make_resident(cluster) -> Callable[[], tuple[str, str]]:
    """A new resident each call (so rate limits never carry over between tests)."""

    def make() -> tuple[str, str]:
        out = cluster.manage(
            code="""
import uuid
from tests import factories
name = uuid.uuid4().hex[:12]
user = factories.make_user(email=f"{name}@example.org", username=name)
print(user.email)
"""
        )
        return out.strip().splitlines()[-1], "correct-horse-battery"

    return make


class Browser:
    """A requests session that behaves like a browser with a CSRF cookie."""

    def __init__(self) -> None:
        self.session = requests.Session()

    def get(self, url: str, **kw) -> requests.Response:
        return self.session.get(url, timeout=30, **kw)

    def post(self, url: str, data: dict, files=None, **kw) -> requests.Response:
        if "csrftoken" not in self.session.cookies:
            self.get(url.rsplit("/", 2)[0] + "/")
        headers = {"X-CSRFToken": self.session.cookies.get("csrftoken", ""), "Referer": url}
        headers.update(kw.pop("headers", {}))
        return self.session.post(
            url, data=data, files=files, headers=headers, timeout=30, allow_redirects=False, **kw
        )

    def sign_in(self, node: Node, email: str, password: str) -> None:
        self.get(f"{node.url}/accounts/login/")
        response = self.post(f"{node.url}/accounts/login/", {"login": email, "password": password})
        assert response.status_code == 302, response.text[:500]


@pytest.fixture
def visitor() -> Browser:
    return Browser()
