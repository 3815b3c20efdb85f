"""Site administration: the audit log with filters."""

from __future__ import annotations

from flask import render_template, request
from flask_babel import gettext as _
from wtforms.fields import SelectChoice

from cop.audit import bp
from cop.audit.forms import AuditFilterForm
from cop.audit.services import AuditFilters, filter_choices, list_changes
from cop.auth.permissions import admin_required
from cop.db import get_session

MAX_PAGE = 100_000


@bp.get("/audit")
@admin_required
def audit_log():
    session = get_session()
    form = AuditFilterForm(request.args)
    types, actions = filter_choices(session)
    form.record_type.choices = [SelectChoice("", _("Any record"))] + [
        SelectChoice(t, t) for t in types
    ]
    form.action.choices = [SelectChoice("", _("Any action"))] + [
        SelectChoice(a, a) for a in actions
    ]
    valid = form.validate() if request.args else True
    if valid:
        filters = AuditFilters(
            record_type=form.record_type.data or None,
            action=form.action.data or None,
            actor_id=form.actor.data,
            since=form.since.data,
            until=form.until.data,
        )
        page = min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)
        result = list_changes(session, filters, page=page)
    else:
        result = None
    return render_template("audit/log.html", form=form, result=result), (200 if valid else 400)
