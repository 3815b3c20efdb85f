"""Account operations: passwords, logging in, sign-up and confirmation, recovery, own profile.

Every name other packages use is importable from here.
"""

from cop.auth.services.authentication import (
    Unconfirmed,
    authenticate,
    create_admin,
    password_matches,
)
from cop.auth.services.passwords import (
    MIN_PASSWORD_LENGTH,
    email_taken,
    hash_password,
    is_common_password,
    normalise_email,
    validate_password,
)
from cop.auth.services.profile import (
    PersonDetails,
    change_password,
    confirm_email_change,
    request_email_change,
    update_profile,
)
from cop.auth.services.recovery import check_reset_token, request_password_reset, reset_password
from cop.auth.services.signup import confirm_email, resend_confirmation, sign_up

__all__ = [
    "MIN_PASSWORD_LENGTH",
    "PersonDetails",
    "Unconfirmed",
    "authenticate",
    "change_password",
    "check_reset_token",
    "confirm_email",
    "confirm_email_change",
    "create_admin",
    "email_taken",
    "hash_password",
    "is_common_password",
    "normalise_email",
    "password_matches",
    "request_email_change",
    "request_password_reset",
    "reset_password",
    "resend_confirmation",
    "sign_up",
    "update_profile",
    "validate_password",
]
