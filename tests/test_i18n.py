"""Language: the person's choice, then Accept-Language, then English; every string translatable."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.pofile import read_po

from tests.conftest import Browser
from tests.factories import make_user

TRANSLATIONS = Path(__file__).resolve().parent.parent / "cop" / "translations"


def lang(page: str) -> str:
    return re.search(r'<html lang="([^"]+)">', page).group(1)


def test_english_by_default(client):
    page = client.get("/").get_data(as_text=True)
    assert lang(page) == "en"
    assert "Working groups" in page


def test_accept_language_picks_a_translation(client):
    page = client.get("/", headers={"Accept-Language": "fr-BE,fr;q=0.9,en;q=0.5"}).get_data(
        as_text=True
    )
    assert lang(page) == "fr"
    assert "Groupes de travail" in page


def test_unsupported_languages_fall_back_to_english(client):
    page = client.get("/", headers={"Accept-Language": "fi"}).get_data(as_text=True)
    assert lang(page) == "en"


def test_a_choice_beats_the_browser_and_returns_to_the_page(client):
    response = client.get("/language/de?next=/privacy", headers={"Accept-Language": "fr"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/privacy"

    page = client.get("/privacy", headers={"Accept-Language": "fr"}).get_data(as_text=True)
    assert lang(page) == "de"
    assert "Datenschutz" in page


def test_the_switcher_is_plain_links_marking_the_current_language(client):
    page = client.get("/privacy").get_data(as_text=True)
    assert '<a href="/language/fr?next=/privacy" lang="fr" hreflang="fr">Français</a>' in page
    assert 'hreflang="en" aria-current="true"' in page


def test_unknown_language_is_a_404_and_the_next_target_stays_on_site(client):
    assert client.get("/language/xx").status_code == 404
    response = client.get("/language/fr?next=https://evil.example.org/")
    assert response.headers["Location"] == "/"


def test_a_signed_in_person_gets_their_saved_language(app, session):
    person = make_user(session, email="lea@example.org")
    person.language = "fr"
    session.commit()
    browser = Browser(app.test_client())
    browser.client.get("/language/de")  # chosen on a shared browser before logging in

    browser.login(person)

    page = browser.client.get("/", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert lang(page) == "fr"


def test_choosing_a_language_changes_no_record(browser, session, user):
    browser.login(user)
    browser.client.get("/language/de")

    session.refresh(user)
    assert user.language is None
    assert lang(browser.client.get("/").get_data(as_text=True)) == "de"


def test_every_catalogue_is_complete_and_keeps_placeholders():
    for po_path in TRANSLATIONS.glob("*/LC_MESSAGES/messages.po"):
        with po_path.open("rb") as handle:
            catalogue = read_po(handle)
        untranslated = [
            m.id for m in catalogue if m.id and not (all(m.string) if m.pluralizable else m.string)
        ]
        assert untranslated == [], f"{po_path.parent.parent.name}: untranslated {untranslated[:5]}"
        problems = [(m.id, errors) for m, errors in catalogue.check()]
        assert problems == [], f"{po_path.parent.parent.name}: {problems[:3]}"


def test_remembered_labels_follow_the_language_of_each_request(app):
    """Labels are translated once per language and remembered: never the wrong language."""
    from flask_babel import force_locale

    from cop.members.labels import helix_label
    from cop.members.models import Helix

    with app.test_request_context():
        english = helix_label(Helix.BUSINESS)
        with force_locale("fr"):
            french = helix_label(Helix.BUSINESS)
        with force_locale("de"):
            german = helix_label(Helix.BUSINESS)
        again = helix_label(Helix.BUSINESS)
        missing = helix_label(None)

    assert english == again == "Business"
    assert len({english, french, german}) == 3
    assert missing == "Not stated"
