"""`brandpulse serve` against a hostile browser: DNS rebinding (foreign Host headers) and
write requests get clean refusals from a real Datasette, never data or a 500."""

from __future__ import annotations

import http.client
import json

import pytest
from typer.testing import CliRunner

from monitor.analyst import serve as serve_mod
from monitor.analyst.guard import allowed_hosts, host_name
from monitor.cli.app import app
from tests.helpers.analyst import seed
from tests.helpers.serve import start_serve, stop_serve

runner = CliRunner()


def request(port: int, path: str, *, host: str, method: str = "GET", body: bytes | None = None):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        headers = {"Host": host, "Content-Type": "application/json"}
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        return resp.status, resp.read().decode("utf-8", "replace")
    finally:
        conn.close()


@pytest.fixture
def served(archive, watchlist, tmp_path):
    pytest.importorskip("datasette")
    seed(archive)
    proc, base = start_serve(watchlist, tmp_path, allow_hosts=["archive.example.org"])
    port = int(base.rsplit(":", 1)[1])
    yield port, serve_mod.database_name(watchlist.archive_path), proc
    stop_serve(proc)


def test_serve_refuses_foreign_host_headers_against_dns_rebinding(served):
    port, db, _ = served
    path = f"/{db}/mentions.json?_shape=array"
    status, body = request(port, path, host=f"evil.example:{port}")
    assert status == 400 and "not served here" in body and "laur849" not in body
    assert request(port, path, host="evil.example")[0] == 400
    for ok in (f"127.0.0.1:{port}", f"localhost:{port}", "archive.example.org"):
        status, body = request(port, path, host=ok)
        assert status == 200 and "laur849" in body, ok


def test_serve_answers_writes_with_a_clean_405_and_no_traceback(served):
    port, db, proc = served
    host = f"127.0.0.1:{port}"
    row = json.dumps({"row": {"text": "injected"}}).encode()
    for path in (f"/{db}/mentions/-/insert", f"/{db}/-/create", f"/{db}/mentions"):
        status, body = request(port, path, host=host, method="POST", body=row)
        assert status == 405 and "read-only" in body, (path, status, body)
    assert request(port, f"/{db}/mentions/1", host=host, method="DELETE")[0] == 405
    proc.terminate()
    proc.wait(timeout=10)
    log = proc.stderr.read().decode()
    assert "Traceback" not in log and " 500 " not in log, log


def test_host_names_and_the_allowed_list():
    assert host_name("127.0.0.1:8001") == "127.0.0.1"
    assert host_name("[::1]:8001") == "[::1]"
    assert host_name("Archive.Example.org") == "archive.example.org"
    assert "localhost" in allowed_hosts("127.0.0.1")
    assert allowed_hosts("10.0.0.5", ["bp.example.org"]) == ["10.0.0.5", "bp.example.org"]


def test_serve_help_keeps_the_extra_in_the_install_hint():
    res = runner.invoke(app, ["serve", "--help"])
    assert res.exit_code == 0
    assert "pip install 'brandpulse[serve]'" in " ".join(res.output.split()), res.output
    assert "--allow-host" in res.output
