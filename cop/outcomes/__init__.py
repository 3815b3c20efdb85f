"""Outcomes: the publications a group makes of what it learnt (lessons learnt, policy briefs,
meeting reports, case studies), their review, versions and files."""

from flask import Blueprint

bp = Blueprint("outcomes", __name__)

from cop.outcomes import access, accounts, views  # noqa: E402,F401  (routes, readers and receivers register on import)
