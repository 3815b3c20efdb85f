"""The filter form of the audit log page (a GET form: no CSRF token needed, nothing changes)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, IntegerField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from cop.db import MAX_ID


class AuditFilterForm(FlaskForm):
    class Meta:
        csrf = False

    record_type = SelectField(_l("Record"), validators=[Optional()], validate_choice=True)
    action = SelectField(_l("Action"), validators=[Optional()], validate_choice=True)
    actor = IntegerField(
        _l("Account ID of the person"), validators=[Optional(), NumberRange(min=1, max=MAX_ID)]
    )
    since = DateField(_l("From"), validators=[Optional()])
    until = DateField(_l("Until"), validators=[Optional()])

    def validate_until(self, field) -> None:
        if field.data and self.since.data and field.data < self.since.data:
            raise ValidationError(_l("The end date is before the start date."))
