"""Account pages (log in, sign up, confirm, reset, profile, password, email) and admin organisations."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as cookie_session
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from cop.auth import bp, services
from cop.auth.forms import (
    AcceptOrganisationForm,
    ChangeEmailForm,
    ChangePasswordForm,
    EmailForm,
    LoginForm,
    LogoutForm,
    MergeOrganisationsForm,
    OrganisationSearchForm,
    PersonFields,
    ProfileForm,
    ResetPasswordForm,
    SignUpForm,
)
from cop.auth.permissions import admin_required, login_required
from cop.auth.throttle import TooManyAttempts
from cop.auth.tokens import LIFETIMES
from cop.db import get_session
from cop.errors import Invalid
from cop.members import organisations
from cop.web import safe_next, show_error

# The organisations pages belong to site administration, under /admin rather than this
# blueprint's /account; create_app registers both.
admin_bp = Blueprint("organisations", __name__, url_prefix="/admin/organisations")


def page(template: str, form, **context):
    """Render a form page: 400 when the form carries errors, 200 otherwise."""
    return render_template(template, form=form, **context), (400 if form.errors else 200)


def next_path(value: str | None) -> str:
    """A `next` target worth keeping: a path on this site, or nothing."""
    return safe_next(value) if value else ""


def remembered() -> bool:
    """Whether this browser holds a remember-me cookie (kept when the session is renewed)."""
    name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return request.cookies.get(name) is not None


def interface_language() -> str:
    return str(get_locale() or current_app.config["DEFAULT_LANGUAGE"])


def fill_person_choices(form: PersonFields, search: str = "") -> None:
    session = get_session()
    form.fill_choices(
        organisations.list_for_picker(session, search),
        organisations.list_regions(session),
        current_app.config["LANGUAGES"],
    )


def link_failed(kind: str, message: str):
    """A confirmation, reset or email-change link that cannot be used: say why, offer what next."""
    form = EmailForm() if kind == "confirm" else None
    return render_template("auth/link_failed.html", kind=kind, message=message, form=form), 400


# -- logging in and out


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    status, retry_after, unconfirmed = 200, None, False
    if form.validate_on_submit():
        session = get_session()
        try:
            user = services.authenticate(
                session,
                form.email.data,
                form.password.data,
                address=request.remote_addr or "unknown",
            )
        except TooManyAttempts as error:
            form.password.errors.append(error.message)
            status, retry_after = error.status_code, error.retry_after
        except services.Unconfirmed as error:
            form.email.errors.append(error.message)
            unconfirmed = True
        except Invalid as error:
            session.commit()  # the failed attempt counts towards throttling
            form.password.errors.append(error.message)
        else:
            session.commit()
            login_user(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            return redirect(safe_next(form.next.data))
    if form.errors and status == 200:
        status = 400
    response = make_response(
        render_template("auth/login.html", form=form, unconfirmed=unconfirmed), status
    )
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


@bp.post("/logout")
def logout():
    form = LogoutForm()
    if form.validate_on_submit():
        logout_user()
        flash(_("You are logged out."), "success")
    return redirect(url_for("site.home"))


# -- signing up and confirming the address


@bp.route("/signup", methods=["GET", "POST"])
def sign_up():
    if current_user.is_authenticated:
        return redirect(safe_next(request.values.get("next")))
    search = OrganisationSearchForm(request.args)
    form = SignUpForm(
        email=request.args.get("email", ""),
        next=request.args.get("next", ""),
        language=interface_language(),
        timezone="Europe/Brussels",
    )
    searching = request.method == "GET" and bool(search.q.data) and search.validate()
    fill_person_choices(form, search.q.data if searching else "")
    if form.validate_on_submit():
        session = get_session()
        try:
            user = services.sign_up(
                session,
                email=form.email.data,
                password=form.password.data,
                confirmation=form.confirm.data,
                person=form.person_details(),
                next_url=next_path(form.next.data),
            )
        except Invalid as error:
            show_error(form, error, "email")
        else:
            session.commit()
            flash(
                _(
                    "Thank you. We have sent a link to %(email)s: open it within %(days)s days "
                    "to confirm your address and log in.",
                    email=user.email,
                    days=LIFETIMES["confirm-email"].days,
                ),
                "success",
            )
            return redirect(url_for(".login"))
    return page("auth/signup.html", form, search=search, searching=searching)


@bp.get("/confirm/<token>")
def confirm_email(token: str):
    session = get_session()
    try:
        user, next_url = services.confirm_email(session, token)
    except Invalid as error:
        return link_failed("confirm", error.message)
    session.commit()
    login_user(user)
    flash(_("Thank you: your email address is confirmed and you are logged in."), "success")
    return redirect(safe_next(next_url))


@bp.route("/resend-confirmation", methods=["GET", "POST"])
def resend_confirmation():
    form = EmailForm(email=request.args.get("email", ""), next=request.args.get("next", ""))
    if form.validate_on_submit():
        session = get_session()
        try:
            services.resend_confirmation(session, form.email.data, next_path(form.next.data))
        except Invalid as error:
            show_error(form, error, "email")
        else:
            session.commit()
            flash(
                _(
                    "If an account whose address is not confirmed yet uses %(email)s, "
                    "we have sent a new link to it.",
                    email=form.email.data.strip(),
                ),
                "success",
            )
            return redirect(url_for(".login"))
    return page("auth/resend_confirmation.html", form)


# -- a forgotten password


@bp.route("/reset", methods=["GET", "POST"])
def request_reset():
    form = EmailForm(email=request.args.get("email", ""))
    if form.validate_on_submit():
        session = get_session()
        try:
            services.request_password_reset(session, form.email.data)
        except Invalid as error:
            show_error(form, error, "email")
        else:
            session.commit()
            flash(
                _(
                    "If an account uses %(email)s, we have sent it a link to choose a new "
                    "password. The link works once, within 2 hours.",
                    email=form.email.data.strip(),
                ),
                "success",
            )
            return redirect(url_for(".login"))
    return page("auth/request_reset.html", form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    session = get_session()
    try:
        services.check_reset_token(session, token)
    except Invalid as error:
        return link_failed("reset", error.message)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            services.reset_password(session, token, form.password.data, form.confirm.data)
        except Invalid as error:
            show_error(form, error, "password")
        else:
            session.commit()
            logout_user()
            flash(_("Your new password is set. Log in with it."), "success")
            return redirect(url_for(".login"))
    return page("auth/reset_password.html", form, token=token)


# -- one's own account


@bp.route("/profile", methods=["GET", "POST"])
@login_required
def profile():
    user = current_user._get_current_object()
    form = ProfileForm(
        name=user.name,
        organisation=str(user.organisation_id or ""),
        position=user.position,
        expertise=user.expertise,
        language=user.language or interface_language(),
        timezone=user.timezone,
        listed=user.listed,
        contactable=user.contactable,
    )
    fill_person_choices(form)
    if form.validate_on_submit():
        session = get_session()
        try:
            services.update_profile(session, user, user, form.person_details())
        except Invalid as error:
            show_error(form, error, "name")
        else:
            session.commit()
            cookie_session["language"] = user.language
            flash(_("Your profile is saved."), "success")
            return redirect(url_for(".profile"))
    return page("auth/profile.html", form)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    user = current_user._get_current_object()
    form = ChangePasswordForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            services.change_password(
                session,
                user,
                form.current_password.data,
                form.password.data,
                form.confirm.data,
                address=request.remote_addr or "unknown",
            )
        except Invalid as error:
            session.commit()  # a wrong current password counts towards throttling
            show_error(form, error, "password")
        else:
            session.commit()
            # The session version changed: renew this session so it stays logged in.
            login_user(user, remember=remembered())
            flash(
                _(
                    "Your password is changed. Everywhere else you were logged in, you are now logged out."
                ),
                "success",
            )
            return redirect(url_for(".profile"))
    return page("auth/change_password.html", form)


@bp.route("/email", methods=["GET", "POST"])
@login_required
def change_email():
    user = current_user._get_current_object()
    form = ChangeEmailForm()
    if form.validate_on_submit():
        session = get_session()
        try:
            address = services.request_email_change(
                session,
                user,
                form.current_password.data,
                form.email.data,
                address=request.remote_addr or "unknown",
            )
        except Invalid as error:
            session.commit()  # a wrong current password counts towards throttling
            show_error(form, error, "email")
        else:
            session.commit()
            flash(
                _(
                    "We have sent a link to %(email)s. Your address changes when you open it, "
                    "within 24 hours.",
                    email=address,
                ),
                "success",
            )
            return redirect(url_for(".profile"))
    return page("auth/change_email.html", form)


@bp.get("/email/<token>")
def confirm_email_change(token: str):
    # Read before the change: the change logs out every session, this one included.
    signed_in_id = current_user.id if current_user.is_authenticated else None
    session = get_session()
    try:
        user = services.confirm_email_change(session, token)
    except Invalid as error:
        return link_failed("email", error.message)
    session.commit()
    if signed_in_id == user.id:
        login_user(user, remember=remembered())
        flash(_("Your email address is changed."), "success")
        return redirect(url_for(".profile"))
    flash(_("Your email address is changed. Log in with the new one."), "success")
    return redirect(url_for(".login"))


# -- organisations, for site administrators


def organisations_page(form: MergeOrganisationsForm | None = None, status: int = 200):
    rows = organisations.list_for_admin(get_session(), current_user)
    form = form or MergeOrganisationsForm()
    form.fill_choices([row.organisation for row in rows if row.organisation.merged_into_id is None])
    return render_template("auth/organisations.html", rows=rows, form=form), status


@admin_bp.get("")
@admin_required
def index():
    return organisations_page()


@admin_bp.post("/merge")
@admin_required
def merge():
    form = MergeOrganisationsForm()
    if form.validate_on_submit():
        session = get_session()
        duplicate_id, kept_id = form.ids()
        try:
            kept = organisations.merge_organisations(session, current_user, duplicate_id, kept_id)
        except Invalid as error:
            show_error(form, error, "duplicate")
        else:
            session.commit()
            flash(
                _("Merged. Its people now belong to %(name)s.", name=kept.name),
                "success",
            )
            return redirect(url_for(".index"))
    return organisations_page(form, status=400)


@admin_bp.post("/<int:organisation_id>/accept")
@admin_required
def accept(organisation_id: int):
    form = AcceptOrganisationForm()
    if form.validate_on_submit():
        session = get_session()
        organisation = organisations.accept_organisation(session, current_user, organisation_id)
        session.commit()
        flash(_("%(name)s is accepted.", name=organisation.name), "success")
    return redirect(url_for(".index"))
