"""Permission checks, used by services and by the views that guard whole pages."""

from __future__ import annotations

from functools import wraps

from flask_babel import gettext as _
from flask_login import current_user

from cop.errors import NotAllowed
from cop.extensions import login_manager


def require_admin(user) -> None:
    if user is None or not user.is_authenticated or not user.is_admin:
        raise NotAllowed(_("Only site administrators may do this."))


def admin_required(view):
    """Anonymous people are sent to log in; signed-in people who are not admins get a 403."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return login_manager.unauthorized()
        require_admin(current_user)
        return view(*args, **kwargs)

    return wrapped
