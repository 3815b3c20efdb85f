"""cop: the collaboration platform of the S3 Community of Practice's working groups."""

from __future__ import annotations

import os
from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from cop import models  # noqa: F401  (every table is known to the metadata)
from cop.config import load_config
from cop.db import Database
from cop.web import BoundedIntConverter, CopRequest

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the application. `config` overrides settings read from the environment (tests)."""
    app = Flask(
        __name__,
        instance_path=os.environ.get("COP_INSTANCE_PATH") or str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    env = dict(os.environ)
    if config and "DATABASE_URL" in config:
        env["DATABASE_URL"] = config["DATABASE_URL"]
    app.config.update(load_config(app.instance_path, env))
    app.config.update(config or {})

    app.request_class = CopRequest
    # Before any blueprint adds its rules: every `<int:...>` part is then bounded.
    app.url_map.converters["int"] = BoundedIntConverter
    if app.config["TRUST_PROXY"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)

    Database().init_app(app)
    register_extensions(app)
    register_blueprints(app)
    register_commands(app)

    from cop.errorpages import register_error_handlers
    from cop.security import register_security_headers

    register_error_handlers(app)
    register_security_headers(app)
    register_template_helpers(app)
    return app


def register_template_helpers(app: Flask) -> None:
    from cop.activities.labels import register_template_helpers as register_activity_labels
    from cop.calendar.helpers import register_template_helpers as register_calendar_links
    from cop.challenges.labels import register_template_helpers as register_challenge_labels
    from cop.markdown import render_markdown
    from cop.meetings.labels import register_template_helpers as register_meeting_labels
    from cop.members.labels import register_template_helpers as register_member_labels
    from cop.outcomes.labels import register_template_helpers as register_outcome_labels
    from cop.solutions.labels import register_template_helpers as register_solution_labels

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["markdown"] = render_markdown
    register_member_labels(app)
    register_meeting_labels(app)
    register_calendar_links(app)
    register_challenge_labels(app)
    register_activity_labels(app)
    register_solution_labels(app)
    register_outcome_labels(app)


def register_extensions(app: Flask) -> None:
    from cop.auth.login import init_login
    from cop.extensions import csrf
    from cop.i18n import init_i18n

    csrf.init_app(app)
    init_i18n(app)
    init_login(app)


def register_blueprints(app: Flask) -> None:
    from cop.activities import bp as activities_bp
    from cop.audit import bp as audit_bp
    from cop.auth import bp as auth_bp
    from cop.auth.views import admin_bp as organisations_bp
    from cop.calendar import bp as calendar_bp
    from cop.challenges import bp as challenges_bp
    from cop.mail.views import bp as mail_bp
    from cop.meetings import bp as meetings_bp
    from cop.members import bp as members_bp
    from cop.outcomes import bp as outcomes_bp
    from cop.site import bp as site_bp
    from cop.solutions import bp as solutions_bp

    app.register_blueprint(site_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(organisations_bp)
    app.register_blueprint(members_bp)
    app.register_blueprint(meetings_bp)
    app.register_blueprint(calendar_bp)
    app.register_blueprint(challenges_bp)
    app.register_blueprint(activities_bp)
    app.register_blueprint(solutions_bp)
    app.register_blueprint(outcomes_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(mail_bp)


def register_commands(app: Flask) -> None:
    from cop.cli import cop_group
    from cop.migrate import db_group

    app.cli.add_command(db_group)
    app.cli.add_command(cop_group)
