"""Issue 11 item 9: deployment switches from the environment (HSTS, SSL redirect, the proxy's
X-Forwarded-Proto, secure cookies). With the production environment documented in
docs/configuration.md, `manage.py check --deploy` reports no issues; without the switches it does."""

import os
import re
import secrets
import subprocess
import sys

import pytest
from django.test import Client, override_settings

from tests.support.services import REPO_ROOT

DOC = REPO_ROOT / "docs" / "configuration.md"


def documented_production_env() -> dict[str, str]:
    text = DOC.read_text()
    block = re.search(r"<!-- production-env[^>]*-->\s*```sh\n(.*?)```", text, re.DOTALL)
    assert block, "docs/configuration.md lost its production-env block"
    env = dict(line.split("=", 1) for line in block.group(1).splitlines() if line and not line.startswith("#"))
    env["SECRET_KEY"] = secrets.token_urlsafe(50)  # the doc says <50+ random characters>
    return env


def check_deploy(env: dict[str, str], tmp_path) -> subprocess.CompletedProcess:
    # Only the documented variables: nothing from the test run (DATABASE_URL, DEBUG...) leaks in.
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG") if key in os.environ}
    return subprocess.run(  # noqa: S603 - fixed command line
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO_ROOT,
        env={**base, "WORKUP_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_documented_production_environment_passes_check_deploy(tmp_path):
    result = check_deploy(documented_production_env(), tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_without_the_switches_check_deploy_complains(tmp_path):
    env = {k: v for k, v in documented_production_env().items() if not k.startswith("SECURE_") or k == "SECURE_COOKIES"}
    result = check_deploy(env, tmp_path)
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008"):  # HSTS, SSL redirect
        assert warning in result.stderr + result.stdout


@pytest.mark.django_db
@override_settings(SECURE_SSL_REDIRECT=True)
def test_plain_http_is_redirected_except_the_health_probe():
    client = Client()
    response = client.get("/accounts/login/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    assert client.get("/healthz").status_code in (200, 503)


@pytest.mark.django_db
@override_settings(
    SECURE_SSL_REDIRECT=True,
    SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"),
    SECURE_HSTS_SECONDS=31536000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS=True,
    SECURE_HSTS_PRELOAD=True,
)
def test_behind_the_tls_proxy_requests_are_secure_and_get_hsts():
    response = Client().get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_the_switches_come_from_the_environment(tmp_path):
    env = {**documented_production_env(), "SECURE_HSTS_SECONDS": "600", "SECURE_SSL_REDIRECT": "false"}
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, s.SECURE_PROXY_SSL_HEADER, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_PRELOAD)"
    )
    base = {key: os.environ[key] for key in ("PATH", "HOME") if key in os.environ}
    result = subprocess.run(  # noqa: S603 - fixed command line
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env={**base, "WORKUP_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert result.stdout.split("\n")[-2] == "600 False ('HTTP_X_FORWARDED_PROTO', 'https') True True True"
