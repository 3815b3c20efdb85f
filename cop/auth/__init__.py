"""Accounts: logging in and out, password hashing and the permission checks."""

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/account")

from cop.auth import views  # noqa: E402,F401  (routes register on import)
