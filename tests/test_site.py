"""The public pages: home, group page with its cycle, statements, language choice."""

from __future__ import annotations

from datetime import date

from tests.factories import make_group


def test_home_lists_active_groups_and_explains_the_community(client, session):
    make_group(session, name="Innovation Diffusion", slug="innovation-diffusion")
    archived = make_group(session, name="Old Group")
    archived.archived = True
    session.commit()

    page = client.get("/").get_data(as_text=True)

    assert "S3 Community of Practice" in page
    assert "quadruple helix" in page
    assert 'href="/groups/innovation-diffusion/"' in page
    assert "Old Group" not in page


def test_group_page_shows_summary_links_and_six_slots(client, session):
    make_group(
        session,
        slug="innovation-diffusion",
        name="Innovation Diffusion",
        summary="We help **SMEs** adopt new technologies.",
        links=(("Smart Specialisation Platform", "https://s3platform.example.org/"),),
    )
    session.commit()

    page = client.get("/groups/innovation-diffusion/").get_data(as_text=True)

    assert page.count("<h1") == 1
    assert "<strong>SMEs</strong>" in page
    assert 'href="https://s3platform.example.org/"' in page
    assert page.count('class="slot slot-') == 6
    assert "Plenary 6" in page and "Plenary 7" not in page
    assert "June 2023 to November 2023" in page
    assert "December 2025 to May 2026" in page


def test_group_page_marks_past_current_and_upcoming_slots(client, session):
    today = date.today()
    # Kick-off eight months ago: slot 1 is past, slot 2 is current, the rest upcoming.
    month_index = today.year * 12 + today.month - 1 - 8
    kickoff = date(month_index // 12, month_index % 12 + 1, 1)
    make_group(session, slug="timely", kickoff=kickoff)
    session.commit()

    page = client.get("/groups/timely/").get_data(as_text=True)

    assert page.count("slot slot-past") == 1
    assert page.count("slot slot-current") == 1
    assert page.count("slot slot-upcoming") == 4


def test_unknown_group_is_a_404_page_in_the_site_look(client):
    response = client.get("/groups/no-such-group/")

    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Page not found" in page
    assert 'class="skip-link"' in page
    assert page.count("<h1") == 1


def test_hostile_markdown_in_a_group_summary_is_sanitised(client, session):
    make_group(
        session,
        slug="hostile",
        summary=(
            "# Heading\n\n<script>alert('x')</script>\n\n"
            "[click](javascript:alert(1)) <img src=x onerror=alert(2)>\n\n"
            '<a href="https://evil.example.org" onclick="steal()">raw link</a>\n\n'
            "[ok](https://example.org)"
        ),
    )
    session.commit()

    page = client.get("/groups/hostile/").get_data(as_text=True)
    main = page[page.index("<main") : page.index("</main>")]

    assert "<script>alert" not in main
    assert 'href="javascript' not in main
    assert "<img" not in main
    assert '<a href="https://evil.example.org"' not in main
    assert "&lt;script&gt;" in main  # shown as text, not run
    assert '<a href="https://example.org" rel="nofollow noopener noreferrer">ok</a>' in main
    assert main.count("<h1") == 1  # the summary's "# Heading" became an h2
    assert "<h2>Heading</h2>" in main


def test_statements_are_linked_from_every_page(client):
    home = client.get("/").get_data(as_text=True)
    assert 'href="/privacy"' in home and 'href="/accessibility"' in home

    privacy = client.get("/privacy").get_data(as_text=True)
    accessibility = client.get("/accessibility").get_data(as_text=True)
    assert "Privacy notice" in privacy and "never shown on public pages" in privacy
    assert "WCAG" in accessibility


def test_layout_has_landmarks_skip_link_and_one_h1(client):
    for path in ("/", "/privacy", "/accessibility", "/account/login"):
        page = client.get(path).get_data(as_text=True)
        assert page.count("<h1") == 1, path
        assert '<a class="skip-link" href="#content">' in page
        assert '<main id="content"' in page
        assert "<header" in page and "<footer" in page and "<nav" in page
        assert "style=" not in page and "<script" not in page  # nothing inline: the CSP forbids it


def test_home_and_group_pages_do_a_fixed_number_of_queries(client, session, count_queries):
    group = make_group(session, slug="counted", links=(("One", "https://example.org/1"),))
    session.commit()

    def queries(path: str) -> int:
        with count_queries() as counter:
            assert client.get(path).status_code == 200
        return counter.count

    home, page = queries("/"), queries("/groups/counted/")
    for number in range(20):
        make_group(session)
        group.links.append(
            type(group.links[0])(
                position=number + 1, title=f"L{number}", url=f"https://example.org/l{number}"
            )
        )
    session.commit()

    assert queries("/") == home
    assert queries("/groups/counted/") == page
