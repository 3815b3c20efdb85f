"""The walk of peer learning, through the pages as people use them: a region asks for support
on a challenge, a coordinator turns the request into a peer review held as a meeting, the
requester and the challenge's followers each get one digest with the news (however often the
digests run), and the completed activity with its evaluation shows on the challenge page."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from cop.activities.models import (
    Activity,
    ActivityKind,
    ActivityStatus,
    SupportRequest,
    SupportStatus,
)
from cop.challenges.models import ChallengeStatus
from cop.db import get_session, utcnow
from cop.mail.digests import send_digests
from cop.mail.models import DigestPeriod, OutboxMessage
from cop.meetings.models import MeetingKind
from cop.members.models import Role
from tests.conftest import Browser
from tests.factories import (
    make_challenge,
    make_group,
    make_meeting,
    make_membership,
    make_organisation,
    make_user,
)

LEARNT = "First-time users of a voucher need a coach more than a larger voucher."
CHANGES = "Emilia-Romagna adds a first-time track with a coach to its next call."


def digests(session, person) -> list[OutboxMessage]:
    return list(
        session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.recipient == person.email, OutboxMessage.kind == "digest")
            .order_by(OutboxMessage.id)
        )
    )


def run_digests(app, now) -> None:
    """`flask cop send-digests` as if it ran at `now`, in a session of its own."""
    with app.test_request_context(base_url=app.config["BASE_URL"]):
        send_digests(get_session(), now=now)


def text_of(response) -> str:
    return re.sub(r"\s+", " ", response.get_data(as_text=True))


def test_a_region_asks_a_peer_review_answers_and_everyone_following_hears_once(
    app, session, runner
):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    emilia = make_organisation(session, name="Emilia-Romagna agency", region_code="ITH5")
    vienna = make_organisation(session, name="Lower Austria agency", region_code="AT12")
    coordinator = make_user(session, name="Cora Coordinator", email="cora@example.org")
    requester = make_user(
        session, name="Marco Requester", email="marco@example.org", organisation=emilia
    )
    follower = make_user(session, name="Fay Follower", email="fay@example.org")
    weekly = make_user(session, name="Walt Weekly", email="walt@example.org")
    weekly.digest_period = DigestPeriod.WEEKLY
    expert = make_user(session, name="Lukas Peer", email="lukas@example.org", organisation=vienna)
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    for person in (requester, follower, weekly, expert):
        make_membership(session, person, group)
    challenge = make_challenge(
        session,
        group,
        status=ChallengeStatus.ACCEPTED,
        title="Innovation vouchers reach the same few companies again and again",
    )
    visit = make_meeting(
        session,
        group,
        kind=MeetingKind.PEER_REVIEW_VISIT,
        title="Peer review visit to Bologna",
        starts_in=timedelta(days=40),
    )
    session.commit()
    challenge_page = f"/challenges/{challenge.id}"

    # Two members follow the challenge from its page.
    for person in (follower, weekly):
        reader = Browser(app.test_client())
        reader.login(person)
        assert reader.post(f"{challenge_page}/follow", page=challenge_page).status_code == 302
        assert "Stop following" in text_of(reader.client.get(challenge_page))

    # The region asks for peer learning on the challenge.
    marco = Browser(app.test_client())
    marco.login(requester)
    ask = f"/groups/innovation-diffusion/support-requests/new?challenge={challenge.id}"
    form = text_of(marco.client.get(ask))
    assert "Emilia-Romagna" in form
    response = marco.post(
        "/groups/innovation-diffusion/support-requests/new",
        {
            "challenge": str(challenge.id),
            "region": "ITH5",
            "need": "Peers who reformed a voucher scheme, to review ours before the next call.",
        },
        page=ask,
    )
    assert response.status_code == 302, text_of(response)
    request_page = response.headers["Location"]
    assert "Waiting for an answer" in text_of(marco.client.get(request_page))
    request_id = int(request_page.rstrip("/").rsplit("/", 1)[1])

    # The coordinator sees it in the queue and plans a peer review for it.
    cora = Browser(app.test_client())
    cora.login(coordinator)
    queue = text_of(cora.client.get("/groups/innovation-diffusion/support-requests/"))
    assert "Peers who reformed a voucher scheme" in queue
    new = f"/groups/innovation-diffusion/activities/new?request={request_id}"
    prefilled = cora.client.get(new).get_data(as_text=True)
    assert f'value="{request_id}"' in prefilled
    response = cora.post(
        "/groups/innovation-diffusion/activities/new",
        {
            "request_id": str(request_id),
            "kind": "peer_review",
            "title": "Peer review of Emilia-Romagna's innovation vouchers",
            "purpose": "Peers review who the vouchers reach, and who they miss.",
            "host_region_code": "ITH5",
            "region_codes": ["AT12"],
            "challenges": [str(challenge.id)],
            "meetings": [str(visit.id)],
            "rows": "5",
            "expert_user_0": str(expert.id),
            "expert_role_0": "Peer reviewer",
        },
        page=new,
    )
    assert response.status_code == 302, text_of(response)
    activity = session.scalar(select(Activity))
    assert activity.kind is ActivityKind.PEER_REVIEW and activity.meetings == [visit]
    assert [e.user for e in activity.experts] == [expert]
    answered = text_of(marco.client.get(request_page))
    assert "Peer review of Emilia-Romagna" in answered
    session.expire_all()
    assert activity.status is ActivityStatus.PLANNED
    assert session.get(SupportRequest, request_id).status is SupportStatus.NEW_ACTIVITY

    # The digests go out: one each, with the news, however often the command runs.
    for _ in range(2):
        result = runner.invoke(args=["cop", "send-digests"])
        assert result.exit_code == 0, result.output
    session.expire_all()
    for person in (requester, follower, weekly):
        mine = digests(session, person)
        assert len(mine) == 1, person.email
        assert "Peer review of Emilia-Romagna's innovation vouchers" in mine[0].body_text
        assert mine[0].headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The coordinator who made the change hears nothing of it; the expert, who follows the
    # activity since being named in it, hears that it is planned.
    assert digests(session, coordinator) == []
    assert "Peer review of Emilia-Romagna" in digests(session, expert)[0].body_text

    # The visit happens; the coordinator completes the activity with its evaluation.
    page = f"/activities/{activity.id}"
    assert cora.post(f"{page}/start", page=page).status_code == 302
    complete = f"{page}/complete"
    refused = cora.post(complete, {"learnt": LEARNT, "changes": ""}, page=complete)
    assert refused.status_code == 400
    response = cora.post(complete, {"learnt": LEARNT, "changes": CHANGES}, page=complete)
    assert response.status_code == 302, text_of(response)

    # The challenge's page shows it, with what participants learnt and will change, to anyone.
    public = text_of(app.test_client().get(challenge_page))
    assert "Peer review of Emilia-Romagna" in public
    assert LEARNT in public and CHANGES in public

    # The next day's digest tells the daily follower that it was completed; the weekly one
    # has had this week's digest already, so the news waits for next week's.
    tomorrow = utcnow() + timedelta(days=1)
    run_digests(app, tomorrow)
    run_digests(app, tomorrow)
    session.expire_all()
    later = digests(session, follower)
    assert len(later) == 2 and LEARNT in later[1].body_text
    assert len(digests(session, weekly)) == 1
    run_digests(app, utcnow() + timedelta(days=8))
    session.expire_all()
    assert LEARNT in digests(session, weekly)[-1].body_text
