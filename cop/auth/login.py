"""Flask-Login wiring: how a session cookie becomes the current user."""

from __future__ import annotations

from flask import Flask
from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import SQLAlchemyError

from cop.db import get_session
from cop.extensions import login_manager
from cop.members.models import User


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        try:
            user = get_session().get(User, int(user_id))
        except SQLAlchemyError:
            # The database is down: render the error page as for a visitor, not a second failure.
            app.logger.warning("could not load user %s: database unreachable", user_id)
            return None
        if user is None or not user.is_active or user.session_version != int(version):
            return None
        return user
