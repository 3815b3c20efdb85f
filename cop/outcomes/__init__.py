"""Outcomes: the publications a group makes of what it learnt (lessons learnt, policy briefs,
meeting reports, case studies), their review, versions and files."""

from flask import Blueprint

bp = Blueprint("outcomes", __name__)

from cop.outcomes import access, views  # noqa: E402,F401  (routes and readers register on import)
