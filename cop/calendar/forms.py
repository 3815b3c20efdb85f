"""The one form of the calendar package: making or resetting one's calendar address."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField


class AddressForm(FlaskForm):
    """Make an address (the CSRF token is the whole form), or reset it: resetting cuts off
    every calendar program subscribed to the old one, so it is asked for knowingly."""

    understood = BooleanField(
        _l("I understand that my calendar programs need the new address afterwards")
    )
