"""Settings come from the environment; production refuses to start without safe ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from cop.config import ConfigError, load_config

ROOT = Path(__file__).resolve().parent.parent
GOOD_PRODUCTION = {
    "COP_ENV": "production",
    "SECRET_KEY": "k" * 48,
    "DATABASE_URL": "postgresql+psycopg://cop@db.example.org/cop",
    "SMTP_HOST": "smtp.example.org",
    "MAIL_SENDER": "cop <no-reply@example.org>",
    "BASE_URL": "https://cop.example.org",
    "CONTACT_EMAIL": "dpo@example.org",
}


def test_development_defaults_use_sqlite_under_instance_and_a_generated_key(tmp_path):
    config = load_config(tmp_path, {})

    assert config["DATABASE_URL"] == f"sqlite:///{tmp_path / 'cop.sqlite3'}"
    key_file = tmp_path / "secret_key"
    assert key_file.read_text() == config["SECRET_KEY"]
    assert len(config["SECRET_KEY"]) >= 32
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    # Generated once: a restart reads the same key, so sessions survive.
    assert load_config(tmp_path, {})["SECRET_KEY"] == config["SECRET_KEY"]


def test_settings_are_read_from_the_environment(tmp_path):
    config = load_config(
        tmp_path,
        {
            "DATABASE_URL": "postgresql+psycopg://u@h/cop",
            "SECRET_KEY": "from-env",
            "SMTP_HOST": "mail.example.org",
            "SMTP_PORT": "2525",
            "SMTP_STARTTLS": "true",
            "MAIL_SENDER": "S3 CoP <cop@example.org>",
            "BASE_URL": "https://cop.example.org/",
            "DEFAULT_LANGUAGE": "fr",
        },
    )

    assert config["DATABASE_URL"] == "postgresql+psycopg://u@h/cop"
    assert config["SECRET_KEY"] == "from-env"
    assert not (tmp_path / "secret_key").exists()
    assert (config["SMTP_HOST"], config["SMTP_PORT"], config["SMTP_STARTTLS"]) == (
        "mail.example.org",
        2525,
        True,
    )
    assert config["MAIL_SENDER"] == "S3 CoP <cop@example.org>"
    assert config["BASE_URL"] == "https://cop.example.org"
    assert config["DEFAULT_LANGUAGE"] == "fr"


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SMTP_PORT": "twenty-five"}, "SMTP_PORT must be a whole number"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL is not a database address"),
        ({"DATABASE_URL": "mysql://u@h/cop"}, "must be PostgreSQL or SQLite"),
        ({"MAIL_SENDER": "cop"}, "MAIL_SENDER must be an email address"),
        ({"CONTACT_EMAIL": "nobody"}, "CONTACT_EMAIL must be an email address"),
        ({"DEFAULT_LANGUAGE": "xx"}, "DEFAULT_LANGUAGE must be one of"),
    ],
)
def test_malformed_settings_are_refused(tmp_path, change, message):
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path, change)
    assert message in str(error.value.code)


def test_complete_production_settings_are_accepted(tmp_path):
    config = load_config(tmp_path, GOOD_PRODUCTION)

    assert config["COP_ENV"] == "production"
    assert config["SESSION_COOKIE_SECURE"] is True
    assert not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": ""}, "needs SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is too weak"),
        ({"DATABASE_URL": ""}, "needs DATABASE_URL"),
        ({"DATABASE_URL": "sqlite:///cop.sqlite3"}, "PostgreSQL DATABASE_URL"),
        ({"SMTP_HOST": ""}, "needs SMTP_HOST"),
        ({"MAIL_SENDER": ""}, "needs MAIL_SENDER"),
        ({"CONTACT_EMAIL": ""}, "needs CONTACT_EMAIL"),
        ({"BASE_URL": ""}, "needs BASE_URL"),
        ({"BASE_URL": "http://cop.example.org"}, "https://"),
    ],
)
def test_production_refuses_missing_or_unsafe_settings(tmp_path, change, message):
    with pytest.raises(ConfigError) as error:
        load_config(tmp_path, {**GOOD_PRODUCTION, **change})
    assert message in str(error.value.code)


def test_production_without_a_secret_key_stops_start_up_with_one_line(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"SECRET_KEY", "DATABASE_URL", "TEST_DATABASE_URL"}
    }
    env.update({**GOOD_PRODUCTION, "SECRET_KEY": "", "COP_INSTANCE_PATH": str(tmp_path)})

    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "cop: configuration error: COP_ENV=production needs SECRET_KEY (at least 32 random characters)"
    ]
    assert not (tmp_path / "secret_key").exists()


def test_processes_starting_together_share_one_secret_key(tmp_path):
    import concurrent.futures

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        keys = set(pool.map(lambda _: load_config(tmp_path, {})["SECRET_KEY"], range(16)))

    assert len(keys) == 1
    assert [p.name for p in tmp_path.iterdir()] == ["secret_key"]
