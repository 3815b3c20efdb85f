"""Settings read from the environment, with safe development defaults."""

from __future__ import annotations

import os
import secrets
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

# Languages with a translation catalogue; English is the source language.
LANGUAGES = {"en": "English", "fr": "Français", "de": "Deutsch"}

WEAK_SECRETS = {"dev", "secret", "changeme", "change-me", "development"}


class ConfigError(SystemExit):
    """A setting that stops start-up; prints one line and exits with status 1."""

    def __init__(self, message: str) -> None:
        super().__init__(f"cop: configuration error: {message}")


def _flag(env: dict[str, str], name: str, default: bool = False) -> bool:
    value = env.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(env: dict[str, str], name: str, default: int) -> int:
    value = env.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {value!r}") from None


def _instance_secret_key(instance_path: Path) -> str:
    """Generate a secret key once into the instance folder so sessions survive restarts."""
    path = instance_path / "secret_key"
    if not path.exists():
        instance_path.mkdir(parents=True, exist_ok=True)
        # Written to a private temporary file, then linked into place: when two processes
        # start at once, one link wins and both read the same, complete key.
        key = secrets.token_urlsafe(48)
        temporary = instance_path / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


def load_config(instance_path: str | Path, env: dict[str, str] | None = None) -> dict:
    """Build the Flask configuration from environment variables.

    With COP_ENV=production, every production setting must be present and safe;
    otherwise development defaults apply (SQLite under instance/, a generated key).
    """
    env = dict(os.environ if env is None else env)
    instance_path = Path(instance_path)
    production = env.get("COP_ENV", "development") == "production"

    if production:
        _check_production(env)

    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance_path / 'cop.sqlite3'}"
    try:
        backend = make_url(database_url).get_backend_name()
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL is not a database address (postgresql+psycopg://user:password@host/db)"
        ) from None
    if backend not in {"sqlite", "postgresql"}:
        raise ConfigError(f"DATABASE_URL must be PostgreSQL or SQLite, not {backend!r}")
    sender = env.get("MAIL_SENDER") or "cop <no-reply@example.org>"
    if "@" not in parseaddr(sender)[1]:
        raise ConfigError(
            f"MAIL_SENDER must be an email address, such as cop <no-reply@your.domain>, not {sender!r}"
        )
    contact = env.get("CONTACT_EMAIL", "")
    if contact and "@" not in parseaddr(contact)[1]:
        raise ConfigError(f"CONTACT_EMAIL must be an email address, not {contact!r}")
    secret_key = env.get("SECRET_KEY") or _instance_secret_key(instance_path)
    base_url = (env.get("BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    default_language = env.get("DEFAULT_LANGUAGE", "en")
    if default_language not in LANGUAGES:
        raise ConfigError(
            f"DEFAULT_LANGUAGE must be one of {', '.join(LANGUAGES)}, not {default_language!r}"
        )

    max_material = _int(env, "MAX_MATERIAL_BYTES", 20 * 1024 * 1024)

    return {
        "COP_ENV": "production" if production else "development",
        "SECRET_KEY": secret_key,
        "DATABASE_URL": database_url,
        "BASE_URL": base_url,
        "PREFERRED_URL_SCHEME": urlsplit(base_url).scheme or "http",
        "SMTP_HOST": env.get("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": _int(env, "SMTP_PORT", 25),
        "SMTP_USERNAME": env.get("SMTP_USERNAME") or None,
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD") or None,
        "SMTP_STARTTLS": _flag(env, "SMTP_STARTTLS"),
        "SMTP_SSL": _flag(env, "SMTP_SSL"),
        "SMTP_TIMEOUT": _int(env, "SMTP_TIMEOUT", 20),
        "MAIL_SENDER": sender,
        # Who answers questions about privacy and accessibility (shown in the statements).
        "CONTACT_EMAIL": contact or None,
        "CONTROLLER_NAME": env.get("CONTROLLER_NAME") or None,
        "MAIL_MAX_ATTEMPTS": _int(env, "MAIL_MAX_ATTEMPTS", 10),
        "DEFAULT_LANGUAGE": default_language,
        "LANGUAGES": LANGUAGES,
        "BABEL_DEFAULT_LOCALE": default_language,
        "BABEL_DEFAULT_TIMEZONE": "UTC",
        "BABEL_TRANSLATION_DIRECTORIES": "translations",
        # Above the largest meeting material, so that a file too large gets a message by its field.
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", max_material + 4 * 1024 * 1024),
        "MAX_MATERIAL_BYTES": max_material,
        # Where meetings' files are kept (by default instance/materials/).
        "MATERIALS_FOLDER": env.get("MATERIALS_FOLDER") or None,
        "MAX_FORM_MEMORY_SIZE": 500_000,
        "TRUST_PROXY": _flag(env, "TRUST_PROXY"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "WTF_CSRF_TIME_LIMIT": 4 * 3600,
        # How long a process reuses the version of the public record pages it read last (their
        # ETags): a change shows on them at most this many seconds late; 0 reads it every time.
        "PUBLIC_VERSION_SECONDS": _int(env, "PUBLIC_VERSION_SECONDS", 5),
    }


def _check_production(env: dict[str, str]) -> None:
    key = env.get("SECRET_KEY", "")
    if not key:
        raise ConfigError("COP_ENV=production needs SECRET_KEY (at least 32 random characters)")
    if len(key) < 32 or key.lower() in WEAK_SECRETS:
        raise ConfigError(
            "SECRET_KEY is too weak for production: use at least 32 random characters"
        )
    url = env.get("DATABASE_URL", "")
    if not url:
        raise ConfigError("COP_ENV=production needs DATABASE_URL (postgresql+psycopg://...)")
    if url.startswith("sqlite"):
        raise ConfigError("COP_ENV=production needs a PostgreSQL DATABASE_URL, not SQLite")
    if not env.get("SMTP_HOST"):
        raise ConfigError(
            "COP_ENV=production needs SMTP_HOST (the mail server that sends cop's email)"
        )
    if not env.get("MAIL_SENDER"):
        raise ConfigError(
            "COP_ENV=production needs MAIL_SENDER (for example cop <no-reply@your.domain>)"
        )
    if not env.get("CONTACT_EMAIL"):
        raise ConfigError(
            "COP_ENV=production needs CONTACT_EMAIL (shown in the privacy and accessibility statements)"
        )
    base_url = env.get("BASE_URL", "")
    if not base_url:
        raise ConfigError("COP_ENV=production needs BASE_URL (the public https:// address of cop)")
    if urlsplit(base_url).scheme != "https":
        raise ConfigError("BASE_URL must start with https:// in production")
