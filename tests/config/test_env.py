import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, secret_key_from_file


def test_a_missing_secret_key_is_made_once_random_and_private(tmp_path):
    path = tmp_path / "secret-key"

    first = secret_key_from_file(path)
    again = secret_key_from_file(path)

    assert first == again and len(first) >= 50
    assert path.stat().st_mode & 0o077 == 0
    assert secret_key_from_file(tmp_path / "other") != first
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize(("raw", "expected"), [("true", True), ("0", False), ("Yes", True), ("off", False)])
def test_booleans_are_read_strictly(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", default=not expected) is expected


def test_a_malformed_setting_fails_loudly(monkeypatch):
    monkeypatch.setenv("FLAG", "maybe")
    monkeypatch.setenv("COUNT", "ten")
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG", default=False)
    with pytest.raises(ImproperlyConfigured, match="COUNT"):
        env_int("COUNT", default=1)
