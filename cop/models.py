"""Imports every package's models, so that the metadata (and Alembic) knows every table."""

from cop.activities import models as activities_models  # noqa: F401
from cop.audit import models as audit_models  # noqa: F401
from cop.auth import models as auth_models  # noqa: F401
from cop.calendar import models as calendar_models  # noqa: F401
from cop.challenges import models as challenges_models  # noqa: F401
from cop.mail import models as mail_models  # noqa: F401
from cop.meetings import models as meetings_models  # noqa: F401
from cop.members import models as members_models  # noqa: F401
from cop.outcomes import models as outcomes_models  # noqa: F401
from cop.solutions import models as solutions_models  # noqa: F401
