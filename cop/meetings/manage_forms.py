"""Forms of the coordinators' pages: a meeting's details, publishing, cancelling, postponing,
its agenda, materials and minutes. They parse types; the services check the rules."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateTimeLocalField,
    SelectField,
    StringField,
    TextAreaField,
    URLField,
)
from wtforms.fields import SelectChoice
from wtforms.validators import Optional

from cop.meetings.content import AgendaItemDetails
from cop.meetings.cycle import plenary_count
from cop.meetings.details import MeetingDetails
from cop.meetings.labels import (
    AUDIENCE_LABELS,
    MEETING_FORMAT_LABELS,
    MEETING_KIND_LABELS,
    VISIBILITY_LABELS,
)
from cop.meetings.models import MaterialKind
from cop.meetings.times import timezone_names

LOCAL_FORMAT = "%Y-%m-%dT%H:%M"
# A forged number (anything but a few digits) becomes -1, which the services refuse.
NOT_A_NUMBER = -1


def _whole_number(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value:
        return None
    return int(value) if value.isdigit() and len(value) < 9 else NOT_A_NUMBER


def _choices(labels) -> list[SelectChoice]:
    return [SelectChoice(value.value, label) for value, label in labels.items()]


def _local_time(label):
    return DateTimeLocalField(
        label,
        format=[LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional()],
        render_kw={"step": 60},
    )


class TimeZoneSelect(SelectField):
    """The IANA zones, Europe first; an unknown one is left for the service to refuse."""

    def __init__(self, label, **kwargs) -> None:
        super().__init__(label, validate_choice=False, **kwargs)
        self.choices = [SelectChoice(name, name.replace("_", " ")) for name in timezone_names()]


class MeetingForm(FlaskForm):
    title = StringField(_l("Title"))
    kind = SelectField(_l("Kind of meeting"), validate_choice=False)
    cycle_slot = SelectField(_l("Slot of the cycle"), validate_choice=False)
    description = TextAreaField(_l("Description"))
    starts_at = _local_time(_l("Starts"))
    ends_at = _local_time(_l("Ends"))
    timezone = TimeZoneSelect(_l("Time zone"))
    format = SelectField(_l("Format"), validate_choice=False)
    venue = StringField(_l("Venue"))
    address = TextAreaField(_l("Address"))
    online_url = URLField(_l("Online link"))
    capacity_in_person = StringField(_l("Seats in the room"))
    capacity_online = StringField(_l("Seats online"))
    registration_opens_at = _local_time(_l("Registration opens"))
    registration_closes_at = _local_time(_l("Registration closes"))
    audience = SelectField(_l("Who may register"), validate_choice=False)
    reminder_days = StringField(_l("Reminders (days before)"))
    agenda_visibility = SelectField(_l("Who may read the agenda"), validate_choice=False)
    minutes_visibility = SelectField(_l("Who may read the minutes"), validate_choice=False)

    def fill_choices(self, group) -> None:
        self.kind.choices = _choices(MEETING_KIND_LABELS)
        self.cycle_slot.choices = [SelectChoice("", _l("None (not a plenary)"))] + [
            SelectChoice(str(slot), str(slot)) for slot in range(1, plenary_count(group) + 1)
        ]
        self.format.choices = _choices(MEETING_FORMAT_LABELS)
        self.audience.choices = _choices(AUDIENCE_LABELS)
        self.agenda_visibility.choices = _choices(VISIBILITY_LABELS)
        self.minutes_visibility.choices = _choices(VISIBILITY_LABELS)

    def show(self, details: MeetingDetails) -> None:
        """Fill the fields from a meeting's details (a GET)."""
        for name in (
            "title",
            "kind",
            "description",
            "starts_at",
            "ends_at",
            "timezone",
            "format",
            "venue",
            "address",
            "online_url",
            "registration_opens_at",
            "registration_closes_at",
            "audience",
            "reminder_days",
            "agenda_visibility",
            "minutes_visibility",
        ):
            self[name].data = getattr(details, name)
        self.cycle_slot.data = "" if details.cycle_slot is None else str(details.cycle_slot)
        for name in ("capacity_in_person", "capacity_online"):
            value = getattr(details, name)
            self[name].data = "" if value is None else str(value)

    def details(self) -> MeetingDetails:
        return MeetingDetails(
            title=self.title.data or "",
            kind=self.kind.data or "",
            cycle_slot=_whole_number(self.cycle_slot.data),
            description=self.description.data or "",
            starts_at=self.starts_at.data,
            ends_at=self.ends_at.data,
            timezone=self.timezone.data or "",
            format=self.format.data or "",
            venue=self.venue.data or "",
            address=self.address.data or "",
            online_url=self.online_url.data or "",
            capacity_in_person=_capacity(self.capacity_in_person.data),
            capacity_online=_capacity(self.capacity_online.data),
            registration_opens_at=self.registration_opens_at.data,
            registration_closes_at=self.registration_closes_at.data,
            audience=self.audience.data or "",
            reminder_days=self.reminder_days.data or "",
            agenda_visibility=self.agenda_visibility.data or "",
            minutes_visibility=self.minutes_visibility.data or "",
        )


def _capacity(value: str | None) -> int | None:
    """Seats as typed: empty is no limit; '-3' and '0' go to the service, which says why not."""
    value = (value or "").strip()
    if not value:
        return None
    sign = -1 if value.startswith("-") else 1
    number = _whole_number(value.lstrip("-"))
    return NOT_A_NUMBER if number in (None, NOT_A_NUMBER) else sign * number


class PublishForm(FlaskForm):
    announce = BooleanField(_l("Announce it by email to the group's active members"), default=True)


class CancelForm(FlaskForm):
    reason = TextAreaField(_l("Why is the meeting cancelled?"))


class PostponeForm(FlaskForm):
    starts_at = _local_time(_l("New start"))
    ends_at = _local_time(_l("New end"))


class AgendaItemForm(FlaskForm):
    starts_at = _local_time(_l("Time"))
    title = StringField(_l("Title"))
    speakers = StringField(_l("Speakers"))
    description = TextAreaField(_l("Description"))

    def details(self) -> AgendaItemDetails:
        return AgendaItemDetails(
            starts_at=self.starts_at.data,
            title=self.title.data or "",
            speakers=self.speakers.data or "",
            description=self.description.data or "",
        )


def _visibility_field():
    return SelectField(
        _l("Who may see it"),
        choices=_choices(VISIBILITY_LABELS),
        default="public",
        validate_choice=False,
    )


class _MaterialForm(FlaskForm):
    """Two of these share the materials page, each with a prefix; the page's one CSRF token
    is checked by CSRFProtect for every POST."""

    class Meta:
        csrf = False


class FileMaterialForm(_MaterialForm):
    file = FileField(_l("File"))
    title = StringField(_l("Title (optional)"))
    visibility = _visibility_field()


class LinkMaterialForm(_MaterialForm):
    kind = SelectField(
        _l("Kind"),
        choices=[
            SelectChoice(MaterialKind.LINK.value, _l("Link")),
            SelectChoice(MaterialKind.RECORDING.value, _l("Recording")),
        ],
        default=MaterialKind.LINK.value,
        validate_choice=False,
    )
    title = StringField(_l("Title"))
    url = URLField(_l("Address"))
    visibility = _visibility_field()


class MinutesForm(FlaskForm):
    minutes = TextAreaField(_l("Minutes"))
    visibility = SelectField(
        _l("Who may read the minutes"),
        choices=_choices(VISIBILITY_LABELS),
        validate_choice=False,
    )


class ConfirmForm(FlaskForm):
    """A button that changes something (remove, withdraw): only the CSRF token."""
