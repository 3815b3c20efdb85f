"""Language selection: the person's choice, then the browser's Accept-Language, then the default."""

from __future__ import annotations

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import get_locale
from flask_login import current_user, user_logged_in

from cop.extensions import babel


def select_locale() -> str:
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # commands and jobs speak the default language
        return current_app.config["DEFAULT_LANGUAGE"]
    chosen = session.get("language")
    if chosen is None and current_user and current_user.is_authenticated:
        chosen = current_user.language
    if chosen in languages:
        return chosen
    best = request.accept_languages.best_match(list(languages))
    return best or current_app.config["DEFAULT_LANGUAGE"]


def _forget_visitor_choice(_app, user) -> None:
    """On logging in, the person's saved language wins over what this browser chose before."""
    if user.language:
        session.pop("language", None)


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale)
    user_logged_in.connect(_forget_visitor_choice, app)

    @app.context_processor
    def language_context() -> dict:
        return {
            "current_language": str(get_locale() or app.config["DEFAULT_LANGUAGE"]),
            "languages": app.config["LANGUAGES"],
        }


def label_filter(labels: dict, missing=None):
    """A filter showing an enum's label in the current language, or `missing` (a lazy string)
    for None. Pages show labels on every row of long lists, so each (value, language) is
    translated once and remembered (translations do not change while the app runs)."""
    cache: dict[tuple, str] = {}

    def label(value) -> str:
        key = (value, str(get_locale()))
        text = cache.get(key)
        if text is None:
            if value is None:
                text = str(missing) if missing is not None else ""
            else:
                text = str(labels[value])
            cache[key] = text
        return text

    return label
