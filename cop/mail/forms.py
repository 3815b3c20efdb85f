"""Forms of one's email preferences and of the unsubscribe page. They parse types; the
services in cop.mail.preferences check the choices."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import RadioField, SelectMultipleField, widgets
from wtforms.fields import SelectChoice

from cop.mail.kinds import DIGEST, KINDS
from cop.mail.models import DigestPeriod

PERIOD_CHOICES = (
    (DigestPeriod.DAILY, _l("Daily: one email a day with the day's news")),
    (DigestPeriod.WEEKLY, _l("Weekly: one email a week")),
    (DigestPeriod.NEVER, _l("Never: no digest")),
)


class PreferencesForm(FlaskForm):
    period = RadioField(
        _l("How often the news of what you follow reaches you"),
        choices=[SelectChoice(period.value, label) for period, label in PERIOD_CHOICES],
        validate_choice=False,
    )
    kinds = SelectMultipleField(
        _l("Other emails"),
        choices=[
            SelectChoice(kind.code, _l("Send me %(kind)s", kind=kind.label))
            for kind in KINDS
            if kind.code != DIGEST
        ],
        validate_choice=False,
        widget=widgets.ListWidget(prefix_label=False),
        option_widget=widgets.CheckboxInput(),
    )

    def offer(self, kinds) -> None:
        """Offer these kinds of email only (cop.mail.preferences.offered_kinds), in their order."""
        self.kinds.choices = [
            SelectChoice(kind.code, _l("Send me %(kind)s", kind=kind.label)) for kind in kinds
        ]


class UnsubscribeForm(FlaskForm):
    """The one button of the unsubscribe page: only its CSRF token (mail programs' one-click
    POST comes without it, the signed link is the proof)."""
