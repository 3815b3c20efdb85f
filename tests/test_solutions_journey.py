"""The walk of a solution, through the pages as people use them: a member proposes a solution
for an accepted challenge, it is deployed in two regions and measured over time, its owner
reports it at risk and then on track, and it is completed. At each step the group's dashboard,
the public page and the digest emails of those who follow it (or whose region endorsed its
challenge) show what happened."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from cop.challenges.models import ChallengeStatus
from cop.db import get_session, utcnow
from cop.mail.digests import send_digests
from cop.mail.models import OutboxMessage
from cop.members.models import Role
from cop.solutions.models import Solution, SolutionStage, UpdateStatus
from tests.conftest import Browser
from tests.factories import (
    make_challenge,
    make_endorsement,
    make_group,
    make_membership,
    make_organisation,
    make_user,
)

GROUP = "/groups/innovation-diffusion"


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def digests(session, person) -> list[str]:
    return list(
        session.scalars(
            select(OutboxMessage.body_text)
            .where(OutboxMessage.recipient == person.email, OutboxMessage.kind == "digest")
            .order_by(OutboxMessage.id)
        )
    )


def test_a_solution_from_proposal_to_completion_shows_every_step(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    emilia = make_organisation(session, name="ART-ER Emilia-Romagna", region_code="ITH5")
    lower_austria = make_organisation(session, name="ecoplus Lower Austria", region_code="AT12")
    coordinator = make_user(session, name="Cora Coordinator", email="cora@example.org")
    owner = make_user(session, name="Olga Owner", email="olga@example.org", organisation=emilia)
    endorser = make_user(
        session, name="Erik Endorser", email="erik@example.org", organisation=lower_austria
    )
    follower = make_user(session, name="Fay Follower", email="fay@example.org")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    for person in (owner, endorser, follower):
        make_membership(session, person, group)
    challenge = make_challenge(
        session,
        group,
        status=ChallengeStatus.ACCEPTED,
        title="SMEs do not adopt digital tools their region already pays for",
    )
    make_endorsement(session, challenge, endorser, region_code="AT12")
    session.commit()
    visitor = app.test_client()

    # A member proposes a solution for the accepted challenge, deployed in two regions.
    olga = Browser(app.test_client())
    olga.login(owner)
    new = f"{GROUP}/solutions/new?challenge={challenge.id}"
    shown = olga.client.get(new).get_data(as_text=True)
    assert re.search(rf'<input checked [^>]*name="challenges" [^>]*value="{challenge.id}"', shown)
    response = olga.post(
        f"{GROUP}/solutions/new",
        {
            "title": "Digital coaches for first-time adopters",
            "description": "A coach per **SME** for its first digital project.",
            "internal_notes": "Budget line still to confirm with the managing authority.",
            "challenges": [str(challenge.id)],
            "region_codes": ["ITH5", "AT12"],
            "starts_on": "2026-01-15",
            "planned_end_on": "2027-12-31",
        },
        page=new,
    )
    assert response.status_code == 302, text_of(response)
    solution = session.scalar(select(Solution))
    page = f"/solutions/{solution.id}"
    assert response.headers["Location"].endswith(page)
    assert [region.code for region in solution.regions] == ["AT12", "ITH5"]
    assert solution.owner == owner and solution.stage is SolutionStage.CO_DEVELOPMENT

    # Members only at first: the public does not see it; the coordinator makes it public.
    assert visitor.get(page).status_code == 404
    cora = Browser(app.test_client())
    cora.login(coordinator)
    assert cora.post(f"{page}/publish", page=page).status_code == 302
    public = text_of(visitor.get(page))
    assert "Digital coaches for first-time adopters" in public
    assert "Budget line still to confirm" not in public  # internal notes stay inside
    assert "Digital coaches for first-time adopters" in text_of(visitor.get(f"{GROUP}/solutions/"))

    # A member follows it from its page.
    fay = Browser(app.test_client())
    fay.login(follower)
    assert fay.post(f"{page}/follow", page=page).status_code == 302

    # Its owner adds a milestone and an indicator, and moves it to deployment.
    milestone_form = f"{page}/milestones/new"
    assert (
        olga.post(
            milestone_form,
            {"title": "Coaches trained in both regions", "due_on": "2026-06-30"},
            page=milestone_form,
        ).status_code
        == 302
    )
    indicator_form = f"{page}/indicators/new"
    response = olga.post(
        indicator_form,
        {
            "name": "SMEs that completed a first digital project",
            "unit": "SMEs",
            "direction": "higher",
            "baseline_value": "0",
            "baseline_on": "2026-01-15",
            "target_value": "200",
            "target_on": "2027-12-31",
            "region_code": "",
        },
        page=indicator_form,
    )
    assert response.status_code == 302, text_of(response)
    indicator = solution.indicators[0]
    stage_form = f"{page}/stage"
    assert olga.post(stage_form, {"stage": "deployment"}, page=stage_form).status_code == 302

    # Measured over time in both regions.
    measurement_form = f"{page}/measurements/new"
    for day, region, value in (
        ("2026-03-31", "ITH5", "10"),
        ("2026-03-31", "AT12", "4"),
        ("2026-06-30", "ITH5", "35"),
        ("2026-06-30", "AT12", "15"),
        ("2026-09-30", "ITH5", "60"),
        ("2026-09-30", "AT12", "40"),
    ):
        response = olga.post(
            measurement_form,
            {
                "indicator": str(indicator.id),
                "value": value,
                "measured_on": day,
                "region_code": region,
                "source": "Regional innovation agency's register",
            },
            page=measurement_form,
        )
        assert response.status_code == 302, text_of(response)
    # Progress is computed from the baseline (0), the target (200) and the latest values:
    # 60 in Emilia-Romagna (30%), 40 in Lower Austria (20%), 25% for the solution.
    public = text_of(visitor.get(page))
    assert "<svg" in public
    assert "30% of the way to the target" in public
    assert "20% of the way to the target" in public
    assert "25% of the way to the target" in public
    assert "Regional innovation agency&#39;s register" in public or (
        "Regional innovation agency’s register" in public
        or "Regional innovation agency's register" in public
    )

    # The owner reports it at risk; the dashboard counts it so; followers hear of it.
    update_form = f"{page}/updates/new"
    response = olga.post(
        update_form,
        {
            "status": "at_risk",
            "narrative": "Lower Austria's coaches start late: the call was delayed.",
            "help_needed": "A region that ran a coaching call quickly.",
        },
        page=update_form,
    )
    assert response.status_code == 302, text_of(response)
    session.expire_all()
    assert solution.status is UpdateStatus.AT_RISK
    board = text_of(olga.client.get(f"{GROUP}/solutions/dashboard"))
    assert "At risk" in board and "Digital coaches for first-time adopters" in board
    assert "At risk" in text_of(visitor.get(page))

    def run_digests(days: int) -> None:
        with app.test_request_context(base_url=app.config["BASE_URL"]):
            send_digests(get_session(), now=utcnow() + timedelta(days=days))
        session.expire_all()

    run_digests(0)
    for person in (follower, endorser):
        (digest,) = digests(session, person)
        assert "Digital coaches for first-time adopters" in digest
        assert "Progress update: at risk." in digest
    # The owner hears that the coordinator made it public, not of the update they wrote.
    (digest,) = digests(session, owner)
    assert "This solution is now public." in digest
    assert "Progress update" not in digest

    # Back on track a day later.
    response = olga.post(
        update_form,
        {"status": "on_track", "narrative": "Lower Austria's call is open; 40 SMEs applied."},
        page=update_form,
    )
    assert response.status_code == 302, text_of(response)
    session.expire_all()
    assert solution.status is UpdateStatus.ON_TRACK
    run_digests(1)
    for person in (follower, endorser):
        assert "Progress update: on track." in digests(session, person)[-1]
    board = text_of(olga.client.get(f"{GROUP}/solutions/dashboard"))
    assert "On track" in board

    # Completing with the milestone still open needs a confirmation.
    response = olga.post(stage_form, {"stage": "completed"}, page=stage_form)
    assert response.status_code == 400
    assert "milestone" in text_of(response)
    session.expire_all()
    assert solution.stage is SolutionStage.DEPLOYMENT
    response = olga.post(stage_form, {"stage": "completed", "confirm": "y"}, page=stage_form)
    assert response.status_code == 302, text_of(response)
    session.expire_all()
    assert solution.stage is SolutionStage.COMPLETED

    # Everyone sees it completed: the public page and its history, the dashboard, the digests.
    public = text_of(visitor.get(page))
    assert "Completed" in public and "Deployment" in public
    board = text_of(olga.client.get(f"{GROUP}/solutions/dashboard"))
    assert "Completed" in board
    run_digests(2)
    assert "This solution is completed." in digests(session, follower)[-1]
    # The member from an endorsing region hears of its progress updates, not of the rest.
    assert len(digests(session, endorser)) == 2
    # One digest per day with that day's news, and nothing more however often it runs.
    run_digests(2)
    assert len(digests(session, follower)) == 3
