"""Production settings pass Django's deployment checks; pages carry the security headers."""

from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

REPO = Path(__file__).resolve().parents[2]
SECRET_ALPHABET = string.ascii_letters + string.digits + "!@#%^&*(-_=+)"


def _production_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DEBUG",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DJANGO_SETTINGS_MODULE",
            "SECURE_SSL_REDIRECT",
            "SECURE_HSTS_SECONDS",
            "SECURE_HSTS_PRELOAD",
            # The browser tests set this in-process for their live server; a real
            # deployment never has it, and check --deploy rejects it (async.E001).
            "DJANGO_ALLOW_ASYNC_UNSAFE",
        }
    }
    env.update(
        DJANGO_ENV="production",
        SECRET_KEY="".join(secrets.choice(SECRET_ALPHABET) for _ in range(50)),
        ALLOWED_HOSTS="knooppunt.example",
        KNOOPPUNT_DATA_DIR=str(tmp_path / "data"),  # keep the check away from ./data
    )
    env.update(extra)
    return env


def _manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - fixed arguments, our own manage.py
        [sys.executable, str(REPO / "manage.py"), *args],
        cwd=REPO,
        env=_production_env(tmp_path, **env),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_check_deploy_passes_in_production(tmp_path: Path) -> None:
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING")
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"manage.py check --deploy failed:\n{output}"
    assert "no issues" in output


def test_production_refuses_to_start_without_secret_key(tmp_path: Path) -> None:
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]
    result = subprocess.run(  # noqa: S603
        [sys.executable, str(REPO / "manage.py"), "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_with_debug_fails_the_deploy_check(tmp_path: Path) -> None:
    """The check is not vacuous: turning DEBUG on in production makes it fail."""
    result = _manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING", DEBUG="true")
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


# --- security headers on a normal response --------------------------------------------------


@pytest.mark.parametrize("url", ["/", "/over/", "/account/inloggen/"])
def test_security_headers(client: Any, db: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp
    assert "object-src 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "geolocation=()" in response.headers["Permissions-Policy"]


def test_security_headers_on_error_pages(client: Any, db: Any) -> None:
    response = client.get("/bestaat-niet/")
    assert response.status_code == 404
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_script(client: Any, db: Any) -> None:
    """The CSP allows only same-origin scripts; an inline script would be blocked."""
    body = client.get(reverse("registry:directory")).content.decode()
    for chunk in body.split("<script")[1:]:
        tag = chunk.split(">", 1)[0]
        assert "src=" in tag or 'type="application/ld+json"' in tag, f"inline <script{tag}>"
