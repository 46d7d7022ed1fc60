"""Issue 11 item 8: patient data stays where it belongs. Every page and API answer says
Cache-Control: no-store; flash messages (which name patients) stay on the server; the SQLite file
and var/ are owner-only; the MRN search never lands in an access log."""

import io
import logging
import os
import stat
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.test import Client

from tests.api.conftest import client_for
from tests.factories import open_workup
from tests.support.services import REPO_ROOT, free_port, wait_until

pytestmark = pytest.mark.django_db


def test_api_answers_are_never_stored_by_a_cache(physician, ward):
    workup = open_workup(ward=ward, opened_by=physician)
    for url in ["/api/v1/workups/", f"/api/v1/workups/{workup.pk}/", "/api/v1/orders/?mrn=x", "/api/v1/alerts/"]:
        response = client_for(physician).get(url)
        assert "no-store" in response["Cache-Control"], url
    # errors too: a 404 or 400 may still echo what was asked
    assert "no-store" in client_for(physician).get("/api/v1/workups/999999/")["Cache-Control"]


def test_pages_are_never_stored_by_a_cache(physician, ward):
    workup = open_workup(ward=ward, opened_by=physician)
    client = Client()
    client.force_login(physician)
    for url in ["/", f"/workups/{workup.pk}/", "/notifications/", "/alerts/banner/", "/accounts/login/"]:
        assert "no-store" in client.get(url)["Cache-Control"], url


def test_flash_messages_with_a_patient_name_stay_on_the_server(physician, ward):
    client = Client()
    client.force_login(physician)
    response = client.post(
        "/workups/new/",
        {
            "ward": ward.code,
            "mrn": "H7654321",
            "name": "Maria Zeldzaam",
            "date_of_birth": "1970-01-02",
            "sex": "female",
            "height_cm": "165",
            "weight_kg": "60",
            "onset_of_weakness_on": "2026-11-20",
        },
    )
    assert response.status_code == 302
    assert "messages" not in response.cookies
    assert all("Zeldzaam" not in morsel.value for morsel in response.cookies.values())
    # and the message is still shown, once
    page = client.get(response["Location"]).content.decode()
    assert "Workup opened for Maria Zeldzaam" in page


def _start_settings(var_dir: Path) -> None:
    """A process on the embedded defaults (SQLite under WORKUP_VAR_DIR) that opens its database."""
    code = (
        "import django; django.setup(); from django.db import connection; "
        "connection.cursor().execute('create table if not exists t (x int)')"
    )
    subprocess.run(  # noqa: S603 - fixed command line
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DATABASE_URL"},
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "WORKUP_VAR_DIR": str(var_dir),
            "SECRET_KEY": "x" * 60,
        },
        check=True,
        timeout=60,
    )


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_var_and_the_sqlite_database_are_owner_only(tmp_path):
    # given a var/ made world-readable by someone, and none of the files yet
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    old = os.umask(0o022)
    try:
        _start_settings(var)
    finally:
        os.umask(old)
    assert mode(var) == 0o700
    database = var / "workup.sqlite3"
    assert mode(database) == 0o600
    # SQLite's write-ahead log inherits the database file's mode
    wal = var / "workup.sqlite3-wal"
    if wal.exists():
        assert mode(wal) == 0o600


def test_the_dev_server_access_log_hides_query_strings(caplog):
    logger = logging.getLogger("django.server")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        # what runserver logs for each request
        logger.info('"%s" %s %s', "GET /api/v1/workups/?mrn=H1234567&status=open HTTP/1.1", "200", "512")
    finally:
        logger.removeHandler(handler)
    line = stream.getvalue()
    assert "H1234567" not in line and "mrn" not in line
    assert '"GET /api/v1/workups/?[query hidden] HTTP/1.1" 200 512' in line


def test_gunicorn_access_log_never_has_the_mrn(tmp_path):
    # given the app under gunicorn with deploy/gunicorn.conf.py, as the systemd unit runs it
    port = free_port()
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(  # noqa: S603 - fixed command line
            [
                sys.executable,
                "-m",
                "gunicorn",
                "config.wsgi",
                "-c",
                "deploy/gunicorn.conf.py",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "1",
            ],  # fmt: skip
            cwd=REPO_ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings_test", "WORKUP_VAR_DIR": str(tmp_path)},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/api/v1/workups/?mrn=H1234567"

        def answered():
            try:
                urllib.request.urlopen(url, timeout=2)  # noqa: S310 - our own server on loopback
            except urllib.error.HTTPError as error:
                return error.code == 401
            except OSError:
                return False
            return True

        wait_until(answered, timeout_s=30, interval_s=0.2, what="gunicorn to answer")
        wait_until(lambda: "/api/v1/workups/" in log.read_text(), timeout_s=10, what="the access log line")
    finally:
        server.terminate()
        server.wait(timeout=10)
    text = log.read_text()
    assert 'method=GET path="/api/v1/workups/" status=401' in text
    assert "H1234567" not in text and "mrn=" not in text
