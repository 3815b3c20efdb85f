"""The activity pages: a group's list, an activity for each reader, the coordinators' forms,
answering a support request with a new activity, the group page's panel and the challenge
page's section; who sees what, bad input on the forms, and query counts."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from cop.activities.models import (
    Activity,
    ActivityExpert,
    ActivityKind,
    ActivityOutput,
    ActivityStatus,
    OutputKind,
    SupportStatus,
)
from cop.audit.models import AuditEntry
from cop.challenges.models import ChallengeStatus
from cop.db import utcnow
from cop.mail import follows
from cop.mail.models import Notification
from cop.meetings.models import MeetingStatus
from cop.members.models import Role
from tests.conftest import Browser
from tests.factories import (
    make_activity,
    make_challenge,
    make_group,
    make_meeting,
    make_membership,
    make_practice,
    make_support_request,
    make_user,
)


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def main_of(response) -> str:
    page = text_of(response)
    return page[page.index("<main") : page.index("</main>")]


def count(session, model) -> int:
    return session.scalar(select(func.count()).select_from(model))


def browser_for(app, person=None) -> Browser:
    browser = Browser(app.test_client())
    if person is not None:
        browser.login(person)
    return browser


@pytest.fixture
def world(app, session):
    group = make_group(session, slug="innovation-diffusion", name="Innovation Diffusion")
    other = make_group(session, slug="industrial-transition", name="Industrial Transition")
    coordinator = make_user(session, name="Cora Coordinator")
    listed = make_user(session, name="Lena Listed", listed=True)
    shy = make_user(session, name="Sam Shy")
    member = make_user(session, name="Max Member")
    make_membership(session, coordinator, group, role=Role.COORDINATOR)
    for person in (listed, shy, member):
        make_membership(session, person, group)
    challenge = make_challenge(session, group, status=ChallengeStatus.ACCEPTED, title="SMEs lag")
    meeting = make_meeting(session, group, title="Visit to Porto")
    draft = make_meeting(session, group, title="Secret draft", status=MeetingStatus.DRAFT)
    other_meeting = make_meeting(session, other, title="Their workshop")
    activity = make_activity(
        session,
        group,
        title="Peer review of Norte",
        purpose="Peers review *vouchers*.",
        challenges=(challenge,),
        meetings=(meeting, draft),
        experts=((listed, "Peer reviewer"), (shy, "Rapporteur")),
    )
    session.commit()
    return {
        "group": group,
        "other": other,
        "coordinator": coordinator,
        "listed": listed,
        "shy": shy,
        "member": member,
        "challenge": challenge,
        "meeting": meeting,
        "draft": draft,
        "other_meeting": other_meeting,
        "activity": activity,
    }


# --- One activity -----------------------------------------------------------------------------


def test_the_public_sees_only_listed_experts_and_published_meetings(app, world):
    page = main_of(browser_for(app).client.get(f"/activities/{world['activity'].id}"))
    assert "Peer review of Norte" in page
    assert "<em>vouchers</em>" in page
    assert "SMEs lag" in page
    assert "Brussels, Belgium" in page or "Région de Bruxelles" in page  # the host, BE10
    assert "Lena Listed" in page and "Peer reviewer" in page
    assert "Sam Shy" not in page and "Rapporteur" not in page
    assert "and 1 more expert" in page
    assert "Visit to Porto" in page
    assert "Secret draft" not in page
    assert "Mark as running" not in page


def test_members_see_every_expert_and_coordinators_the_drafts(app, world):
    path = f"/activities/{world['activity'].id}"
    member = main_of(browser_for(app, world["member"]).client.get(path))
    assert "Sam Shy" in member and "Rapporteur" in member
    assert "more expert" not in member
    assert "Secret draft" not in member
    coordinator = main_of(browser_for(app, world["coordinator"]).client.get(path))
    assert "Secret draft" in coordinator
    assert "Mark as running" in coordinator


def test_cancelled_and_completed_activities_say_so(app, session, world):
    cancelled = make_activity(
        session,
        world["group"],
        status=ActivityStatus.CANCELLED,
        cancel_reason="The host region withdrew.",
    )
    completed = make_activity(
        session,
        world["group"],
        status=ActivityStatus.COMPLETED,
        evaluation_learnt="Coaching matters.",
        evaluation_changes="We add coaching.",
    )
    session.commit()
    client = browser_for(app).client
    page = main_of(client.get(f"/activities/{cancelled.id}"))
    assert "This activity is cancelled." in page and "The host region withdrew." in page
    page = main_of(client.get(f"/activities/{completed.id}"))
    assert "Coaching matters." in page and "We add coaching." in page


def test_following_from_the_page(app, session, world):
    browser = browser_for(app, world["member"])
    path = f"/activities/{world['activity'].id}"
    assert "Follow" in main_of(browser.client.get(path))
    response = browser.post(f"{path}/follow", page=path)
    assert response.status_code == 302
    assert follows.is_following(session, world["member"], follows.ACTIVITY, world["activity"].id)
    assert "Stop following" in main_of(browser.client.get(path))
    browser.post(f"{path}/unfollow", page=path)
    assert not follows.is_following(
        session, world["member"], follows.ACTIVITY, world["activity"].id
    )


def test_the_activity_page_queries_do_not_grow(app, session, world, count_queries):
    activity = world["activity"]
    readers = {
        "anonymous": browser_for(app),
        "member": browser_for(app, world["member"]),
        "coordinator": browser_for(app, world["coordinator"]),
    }

    def grow(size: int) -> None:
        for _number in range(size):
            person = make_user(session, listed=True)
            make_membership(session, person, world["group"])
            activity.experts.append(ActivityExpert(user=person, role="Peer"))
            activity.meetings.append(make_meeting(session, world["group"]))
            activity.challenges.append(
                make_challenge(session, world["group"], status=ChallengeStatus.ACCEPTED)
            )
            practice = make_practice(session, world["group"])
            activity.outputs.append(
                ActivityOutput(kind=OutputKind.PRACTICE, practice=practice, title=practice.title)
            )
        session.commit()

    def queries() -> dict[str, int]:
        counts = {}
        for role, browser in readers.items():
            with count_queries() as counter:
                response = browser.client.get(f"/activities/{activity.id}")
            assert response.status_code == 200
            counts[role] = counter.count
        return counts

    grow(2)
    small = queries()
    grow(12)
    large = queries()
    assert small == large


# --- A group's activities ---------------------------------------------------------------------


def test_the_list_filters_by_status_and_kind(app, session, world):
    group = world["group"]
    make_activity(session, group, title="Visit Graz", kind=ActivityKind.STUDY_VISIT)
    make_activity(session, group, title="Done review", status=ActivityStatus.COMPLETED)
    make_activity(session, world["other"], title="Not ours")
    session.commit()
    client = browser_for(app).client
    path = "/groups/innovation-diffusion/activities/"
    page = main_of(client.get(path))
    assert "Visit Graz" in page and "Done review" in page and "Peer review of Norte" in page
    assert "Not ours" not in page
    assert page.index("Done review") < page.index("Visit Graz") < page.index("Peer review of")
    page = main_of(client.get(path + "?status=completed"))
    assert "Done review" in page and "Visit Graz" not in page
    page = main_of(client.get(path + "?kind=study_visit"))
    assert "Visit Graz" in page and "Done review" not in page
    # Values that mean nothing are ignored.
    page = main_of(client.get(path + "?status=finished&kind=picnic&page=abc"))
    assert "3 activities" in page


def test_the_list_queries_do_not_grow(app, session, world, count_queries):
    readers = {"anonymous": browser_for(app), "coordinator": browser_for(app, world["coordinator"])}
    path = "/groups/innovation-diffusion/activities/"

    def grow(size: int) -> None:
        for _number in range(size):
            activity = make_activity(session, world["group"])
            activity.regions.append(world["challenge"].regions[0])
        session.commit()

    def queries() -> dict[str, int]:
        counts = {}
        for role, browser in readers.items():
            with count_queries() as counter:
                response = browser.client.get(path)
            assert response.status_code == 200
            counts[role] = counter.count
        return counts

    grow(3)
    small = queries()
    grow(30)
    large = queries()
    assert "34 activities" in main_of(readers["anonymous"].client.get(path))
    assert small == large


# --- The coordinators' forms ------------------------------------------------------------------


def test_a_coordinator_plans_an_activity_with_the_form(app, session, world):
    browser = browser_for(app, world["coordinator"])
    path = "/groups/innovation-diffusion/activities/new"
    form = main_of(browser.client.get(path))
    assert form.count('name="expert_user_') == 5
    response = browser.post(
        path,
        {
            "kind": "study_visit",
            "title": "Study visit to Graz",
            "purpose": "See the digital hub.",
            "host_region_code": "AT22",
            "region_codes": ["ES30"],
            "challenges": [str(world["challenge"].id)],
            "meetings": [str(world["meeting"].id)],
            "expert_user_0": str(world["listed"].id),
            "expert_role_0": "Host",
            "expert_user_3": str(world["shy"].id),
            "rows": "5",
        },
        page=path,
    )
    assert response.status_code == 302
    activity = session.scalar(select(Activity).where(Activity.title == "Study visit to Graz"))
    assert activity.kind is ActivityKind.STUDY_VISIT
    assert {(e.user.name, e.role) for e in activity.experts} == {
        ("Lena Listed", "Host"),
        ("Sam Shy", ""),
    }
    assert response.headers["Location"].endswith(f"/activities/{activity.id}")


def test_the_form_shows_each_problem_next_to_its_field_and_writes_nothing(app, session, world):
    browser = browser_for(app, world["coordinator"])
    path = "/groups/innovation-diffusion/activities/new"
    outsider = make_user(session, name="Olga Outsider")
    session.commit()
    before = count(session, Activity), count(session, AuditEntry)
    response = browser.post(
        path,
        {
            "kind": "peer_review",
            "title": "",
            "meetings": [str(world["other_meeting"].id)],
            "expert_user_0": str(outsider.id),
        },
        page=path,
    )
    assert response.status_code == 400
    page = main_of(response)
    assert "Please fill in this field." in page
    assert (
        "An activity is held as meetings of its own group: choose among Innovation Diffusion's."
        in page
    )
    assert "Experts are chosen among the active members of Innovation Diffusion." in page
    assert (count(session, Activity), count(session, AuditEntry)) == before


def test_more_rows_for_experts_without_javascript(app, world):
    browser = browser_for(app, world["coordinator"])
    path = "/groups/innovation-diffusion/activities/new"
    response = browser.post(path, {"title": "Kept", "rows": "5", "more_rows": "1"}, page=path)
    assert response.status_code == 200
    page = main_of(response)
    assert page.count('name="expert_user_') == 10
    assert 'value="Kept"' in page


def test_editing_with_the_form(app, session, world):
    activity = world["activity"]
    browser = browser_for(app, world["coordinator"])
    path = f"/activities/{activity.id}/edit"
    page = main_of(browser.client.get(path))
    assert 'value="Peer reviewer"' in page and 'value="Rapporteur"' in page
    response = browser.post(
        path,
        {
            "kind": "workshop",
            "title": "Workshop on Norte",
            "challenges": [str(world["challenge"].id)],
            "expert_user_0": str(world["listed"].id),
            "expert_role_0": "Chair",
        },
        page=path,
    )
    assert response.status_code == 302
    session.refresh(activity)
    assert activity.title == "Workshop on Norte"
    assert [(e.user.name, e.role) for e in activity.experts] == [("Lena Listed", "Chair")]


def test_the_status_steps_from_the_pages(app, session, world):
    activity = world["activity"]
    browser = browser_for(app, world["coordinator"])
    page = f"/activities/{activity.id}"
    assert browser.post(f"{page}/start", page=page).status_code == 302
    assert browser.post(f"{page}/start", page=page).status_code == 409
    response = browser.post(f"{page}/complete", {"learnt": "Coaching."}, page=page)
    assert response.status_code == 400
    assert "Please fill in this field." in main_of(response)
    session.refresh(activity)
    assert activity.status is ActivityStatus.RUNNING
    response = browser.post(
        f"{page}/complete", {"learnt": "Coaching.", "changes": "Add it."}, page=page
    )
    assert response.status_code == 302
    session.refresh(activity)
    assert activity.status is ActivityStatus.COMPLETED


def test_outputs_page(app, session, world):
    activity = world["activity"]
    practice = make_practice(session, world["group"], title="Porto vouchers")
    session.commit()
    browser = browser_for(app, world["coordinator"])
    path = f"/activities/{activity.id}/outputs"
    assert "Porto vouchers" in main_of(browser.client.get(path))
    response = browser.post(
        path, {"form_name": "practice", "practice-practice": str(practice.id)}, page=path
    )
    assert response.status_code == 302
    response = browser.post(
        path,
        {"form_name": "document", "document-title": "Slides", "document-url": "nope"},
        page=path,
    )
    assert response.status_code == 400
    assert "Enter a web address starting with https:// (or http://)." in main_of(response)
    public = main_of(browser_for(app).client.get(f"/activities/{activity.id}"))
    assert "Porto vouchers" in public and "Slides" not in public


# --- Answering a support request with a new activity ------------------------------------------


def test_a_support_request_prefills_the_form_and_is_answered_on_save(app, session, world):
    request = make_support_request(
        session, world["challenge"], world["member"], region_code="PT11", need="Help on vouchers."
    )
    session.commit()
    browser = browser_for(app, world["coordinator"])
    path = f"/groups/innovation-diffusion/activities/new?request={request.id}"
    page = main_of(browser.client.get(path))
    assert "Help on vouchers." in page
    assert '<option selected value="PT11">' in page or 'value="PT11" selected' in page
    assert f'name="request_id" type="hidden" value="{request.id}"' in page
    response = browser.post(
        "/groups/innovation-diffusion/activities/new",
        {
            "request_id": str(request.id),
            "kind": "peer_review",
            "title": "Peer review for Norte",
            "host_region_code": "PT11",
            "challenges": [str(world["challenge"].id)],
        },
        page=path,
    )
    assert response.status_code == 302
    session.refresh(request)
    assert request.status is SupportStatus.NEW_ACTIVITY
    assert request.activity.title == "Peer review for Norte"
    # Answered: the form is not offered again for it; an old link leads to the request's page.
    response = browser.client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/support-requests/{request.id}")


# --- The group page and the challenge page ----------------------------------------------------


def test_the_group_page_shows_what_the_group_is_doing(app, session, world):
    group = world["group"]
    soon = make_meeting(session, group, starts_in=timedelta(days=3))
    make_activity(session, group, title="Soon visit", meetings=(soon,))
    make_activity(session, group, title="Done review", status=ActivityStatus.COMPLETED)
    make_activity(session, group, title="Given up", status=ActivityStatus.CANCELLED)
    session.commit()
    page = main_of(browser_for(app).client.get("/groups/innovation-diffusion/"))
    assert "What we are doing" in page
    assert page.index("Soon visit") < page.index("Peer review of Norte") < page.index("Done review")
    assert "Given up" not in page


def test_the_challenge_page_lists_its_activities_with_their_evaluation(app, session, world):
    challenge = world["challenge"]
    make_activity(
        session,
        world["group"],
        title="Done review",
        status=ActivityStatus.COMPLETED,
        challenges=(challenge,),
        evaluation_learnt="Coaching matters.",
        evaluation_changes="We add coaching.",
    )
    make_activity(
        session,
        world["group"],
        title="Given up",
        status=ActivityStatus.CANCELLED,
        challenges=(challenge,),
    )
    session.commit()
    page = main_of(browser_for(app).client.get(f"/challenges/{challenge.id}"))
    assert "Peer-learning activities" in page
    assert "Peer review of Norte" in page and "Done review" in page
    assert "Coaching matters." in page and "We add coaching." in page
    assert "Given up" not in page


# --- Fixes after a new-user review ------------------------------------------------------------


def manage_panel(response) -> str:
    page = main_of(response)
    return page[page.index('id="tools-title"') :]


def test_complete_is_offered_only_once_the_activity_runs(app, session, world):
    activity = world["activity"]
    browser = browser_for(app, world["coordinator"])
    page = f"/activities/{activity.id}"
    tools = manage_panel(browser.client.get(page))
    assert "Complete, with its evaluation" not in tools
    assert "Cancel the activity" in tools and ">Cancel<" not in tools
    # Straight from "planned", by its address: back to the activity, saying why.
    response = browser.client.get(f"{page}/complete")
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    shown = main_of(browser.client.get(page))
    assert "This activity has not started yet: mark it as running before completing it." in shown
    # A form sent anyway is refused, and nothing is written.
    before = count(session, AuditEntry)
    response = browser.post(f"{page}/complete", {"learnt": "A", "changes": "B"}, page=page)
    assert response.status_code == 409
    assert "mark it as running before completing it" in main_of(response)
    session.refresh(activity)
    assert activity.status is ActivityStatus.PLANNED and activity.evaluation_learnt == ""
    assert count(session, AuditEntry) == before
    browser.post(f"{page}/start", page=page)
    assert "Complete, with its evaluation" in manage_panel(browser.client.get(page))
    assert browser.client.get(f"{page}/complete").status_code == 200


@pytest.mark.parametrize(
    ("status", "step", "message"),
    [
        ("completed", "cancel", "This activity is completed: it can no longer be changed."),
        ("cancelled", "complete", "This activity is cancelled: it can no longer be changed."),
        ("cancelled", "cancel", "This activity is cancelled: it can no longer be changed."),
        ("cancelled", "outputs", "This activity is cancelled: it has no outputs."),
    ],
)
def test_forms_that_can_only_fail_send_back_to_the_activity(
    app, session, world, status, step, message
):
    activity = make_activity(
        session, world["group"], status=ActivityStatus(status), cancel_reason="Withdrew."
    )
    session.commit()
    browser = browser_for(app, world["coordinator"])
    page = f"/activities/{activity.id}"
    response = browser.client.get(f"{page}/{step}")
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    assert message in main_of(browser.client.get(page))


def test_a_completed_activity_still_takes_outputs(app, session, world):
    activity = make_activity(session, world["group"], status=ActivityStatus.COMPLETED)
    session.commit()
    browser = browser_for(app, world["coordinator"])
    assert "Add a document" in main_of(browser.client.get(f"/activities/{activity.id}/outputs"))


def test_a_step_sent_twice_offers_the_way_back(app, session, world):
    activity = world["activity"]
    browser = browser_for(app, world["coordinator"])
    page = f"/activities/{activity.id}"
    referer = {"Referer": f"http://localhost{page}"}
    assert browser.post(f"{page}/start", page=page, headers=referer).status_code == 302
    response = browser.post(f"{page}/start", page=page, headers=referer)
    assert response.status_code == 409
    assert f'<a href="{page}">Back to the page you were on</a>' in main_of(response)
    # Withdrawing an output twice, from the outputs page.
    output = ActivityOutput(
        activity=activity, kind=OutputKind.DOCUMENT, title="Slides", url="https://example.org/s"
    )
    session.add(output)
    session.commit()
    outputs = f"{page}/outputs"
    withdraw = f"/activity-outputs/{output.id}/withdraw"
    back = {"Referer": f"http://localhost{outputs}"}
    assert browser.post(withdraw, page=outputs, headers=back).status_code == 302
    response = browser.post(withdraw, page=outputs, headers=back)
    assert response.status_code == 409
    assert f'<a href="{outputs}">Back to the page you were on</a>' in main_of(response)


def test_the_outputs_page_names_each_output(app, session, world, count_queries):
    activity = world["activity"]
    browser = browser_for(app, world["coordinator"])
    path = f"/activities/{activity.id}/outputs"

    def grow(size: int) -> None:
        for _number in range(size):
            # As the demo data writes them: a practice output's own title is empty.
            practice = make_practice(session, world["group"])
            activity.outputs.append(ActivityOutput(kind=OutputKind.PRACTICE, practice=practice))
            activity.outputs.append(
                ActivityOutput(kind=OutputKind.DOCUMENT, title="Doc", url="https://example.org/")
            )
        session.commit()

    def queries() -> int:
        with count_queries() as counter:
            response = browser.client.get(path)
        assert response.status_code == 200
        return counter.count

    practice = make_practice(session, world["group"], title="Porto vouchers")
    activity.outputs.append(ActivityOutput(kind=OutputKind.PRACTICE, practice=practice))
    session.commit()
    page = main_of(browser.client.get(path))
    link = f'<a href="/practices/{practice.id}">Porto vouchers</a>'
    assert link in page
    assert (
        'Withdraw<span class="visually-hidden"> the output “Porto vouchers”</span></button>' in page
    )
    grow(2)
    small = queries()
    grow(10)
    assert small == queries()


def test_the_same_document_is_not_added_twice_from_the_page(app, session, world):
    activity = world["activity"]
    browser = browser_for(app, world["coordinator"])
    path = f"/activities/{activity.id}/outputs"
    sent = {"form_name": "document", "document-title": "Slides", "document-url": "https://e.org/s"}
    assert browser.post(path, sent, page=path).status_code == 302
    before = count(session, ActivityOutput), count(session, AuditEntry)
    response = browser.post(path, {**sent, "document-title": "Again"}, page=path)
    assert response.status_code == 400
    assert "This document is already an output of the activity." in main_of(response)
    assert (count(session, ActivityOutput), count(session, AuditEntry)) == before


def test_the_form_offers_only_accepted_challenges_and_names_its_fields(app, session, world):
    make_challenge(session, world["group"], status=ChallengeStatus.PROPOSED, title="Just raised")
    session.commit()
    browser = browser_for(app, world["coordinator"])
    page = main_of(browser.client.get("/groups/innovation-diffusion/activities/new"))
    assert "SMEs lag" in page and "Just raised" not in page
    assert "Meetings it is held as" in page and "Held as the meetings" not in page


def test_a_role_with_nobody_asks_for_the_person(app, session, world):
    browser = browser_for(app, world["coordinator"])
    path = "/groups/innovation-diffusion/activities/new"
    before = count(session, Activity)
    response = browser.post(
        path,
        {"kind": "peer_review", "title": "Review", "expert_role_1": "Rapporteur", "rows": "5"},
        page=path,
    )
    assert response.status_code == 400
    page = main_of(response)
    error = page[page.index('id="experts-error"') :]
    assert error.split("</p>")[0].endswith(
        "Choose the person who is “Rapporteur”, or clear that role."
    )
    assert count(session, Activity) == before


def test_markdown_headings_sit_under_the_page_sections(app, session, world):
    activity = make_activity(
        session,
        world["group"],
        status=ActivityStatus.COMPLETED,
        purpose="# How it runs\n\nTwo visits.",
        challenges=(world["challenge"],),
        evaluation_learnt="Coaching matters.\n\nSo do *vouchers*.",
        evaluation_changes="# Next\n\nWe add coaching.",
    )
    session.commit()
    client = browser_for(app).client
    page = main_of(client.get(f"/activities/{activity.id}"))
    assert "<h3>How it runs</h3>" in page and "<h2>How it runs" not in page
    assert "<p>Coaching matters.</p>\n<p>So do <em>vouchers</em>.</p>" in page
    assert "<h4>Next</h4>" in page  # under "What they will change", an h3
    challenge = main_of(client.get(f"/challenges/{world['challenge'].id}"))
    assert "<p>Coaching matters.</p>\n<p>So do <em>vouchers</em>.</p>" in challenge
    assert "<h3>Next</h3>" in challenge


# --- Fixes after a second new-user review -----------------------------------------------------


def textarea(page: str, name: str) -> str:
    """What a form's textarea holds, as the page shows it."""
    start = page.index(f'name="{name}"')
    return page[page.index(">", start) + 1 : page.index("</textarea>", start)].strip()


def test_the_requesters_need_is_not_the_public_purpose(app, session, world):
    request = make_support_request(
        session, world["challenge"], world["member"], region_code="PT11", need="Our *secret* gap."
    )
    session.commit()
    browser = browser_for(app, world["coordinator"])
    page = main_of(
        browser.client.get(f"/groups/innovation-diffusion/activities/new?request={request.id}")
    )
    # The need is shown above the form, for the coordinator, not copied into the purpose.
    assert "What the region needs (only the group's members read it):" in page
    assert "Our <em>secret</em> gap." in page
    assert textarea(page, "purpose") == ""
    assert "Everyone can read it, on the activity's public page." in page


def test_an_old_link_for_an_answered_request_leads_to_its_answer(app, session, world):
    request = make_support_request(session, world["challenge"], world["member"])
    request.status = SupportStatus.DECLINED
    request.answer = "Out of scope."
    session.commit()
    browser = browser_for(app, world["coordinator"])
    path = f"/groups/innovation-diffusion/activities/new?request={request.id}"
    response = browser.client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/support-requests/{request.id}")
    shown = main_of(browser.client.get(response.headers["Location"]))
    assert "This support request was answered since: here is its answer." in shown
    # A form sent for it is still a conflict, and plans nothing.
    before = count(session, Activity)
    response = browser.post(
        "/groups/innovation-diffusion/activities/new",
        {"request_id": str(request.id), "kind": "peer_review", "title": "Late"},
        page="/groups/innovation-diffusion/activities/new",
    )
    assert response.status_code == 409
    assert count(session, Activity) == before


def ids_of(page: str) -> list[str]:
    return re.findall(r'\sid="([^"]+)"', page)


def test_the_outputs_page_has_unique_ids_and_labels_point_at_fields(app, session, world):
    make_practice(session, world["group"], title="Porto vouchers")
    session.commit()
    browser = browser_for(app, world["coordinator"])
    page = text_of(browser.client.get(f"/activities/{world['activity'].id}/outputs"))
    ids = ids_of(page)
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    for target in re.findall(r'<label for="([^"]+)"', page):
        assert re.search(rf'<(input|select|textarea)[^>]*\sid="{target}"', page), target
    assert "Its web address, starting with https:// (or http://)." in page


def test_the_activity_form_has_unique_ids(app, world):
    browser = browser_for(app, world["coordinator"])
    page = text_of(browser.client.get(f"/activities/{world['activity'].id}/edit"))
    ids = ids_of(page)
    assert len(ids) == len(set(ids))


def test_a_coordinator_revises_the_evaluation_of_a_completed_activity(app, session, world):
    activity = make_activity(
        session,
        world["group"],
        status=ActivityStatus.COMPLETED,
        evaluation_learnt="Vouchers wrok.",
        evaluation_changes="We add coaching.",
    )
    follows.follow(session, world["member"], follows.ACTIVITY, activity.id)
    session.commit()
    browser = browser_for(app, world["coordinator"])
    page = f"/activities/{activity.id}"
    tools = manage_panel(browser.client.get(page))
    assert f'<a href="{page}/complete">Revise the evaluation</a>' in tools
    assert "Complete, with its evaluation" not in tools and ">Edit<" not in tools
    form = main_of(browser.client.get(f"{page}/complete"))
    assert "Revise the evaluation of “" in form and "Save the evaluation" in form
    assert textarea(form, "learnt") == "Vouchers wrok."
    assert textarea(form, "changes") == "We add coaching."
    # The same checks as on completing: nothing is written on bad input.
    before = count(session, AuditEntry)
    response = browser.post(
        f"{page}/complete",
        {"revising": "1", "learnt": "  ", "changes": "X"},
        page=f"{page}/complete",
    )
    assert response.status_code == 400
    assert "Please fill in this field." in main_of(response)
    assert count(session, AuditEntry) == before
    response = browser.post(
        f"{page}/complete",
        {"revising": "1", "learnt": "Vouchers work.", "changes": "We add coaching."},
        page=f"{page}/complete",
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(page)
    session.refresh(activity)
    assert activity.evaluation_learnt == "Vouchers work."
    assert activity.status is ActivityStatus.COMPLETED
    assert "The evaluation is saved." in main_of(browser.client.get(page))
    entry = session.scalars(select(AuditEntry).order_by(AuditEntry.id.desc())).first()
    assert entry.action == "activity.evaluation_revised"
    assert count(session, Notification) == 0
    # A completion sent again (a stale "Complete" form) is still a conflict.
    response = browser.post(f"{page}/complete", {"learnt": "A", "changes": "B"}, page=page)
    assert response.status_code == 409
    assert "This activity is completed already: you may revise its evaluation." in main_of(response)
    session.refresh(activity)
    assert activity.evaluation_learnt == "Vouchers work."


def test_members_may_not_revise_an_evaluation(app, session, world):
    activity = make_activity(session, world["group"], status=ActivityStatus.COMPLETED)
    session.commit()
    browser = browser_for(app, world["member"])
    page = f"/activities/{activity.id}"
    assert browser.client.get(f"{page}/complete").status_code == 403
    response = browser.post(
        f"{page}/complete", {"revising": "1", "learnt": "A", "changes": "B"}, page=page
    )
    assert response.status_code == 403
    session.refresh(activity)
    assert activity.evaluation_learnt == "Vouchers work best with a coach."


def test_more_rows_lands_on_the_new_rows_and_rows_are_numbered(app, world):
    browser = browser_for(app, world["coordinator"])
    path = "/groups/innovation-diffusion/activities/new"
    page = main_of(browser.client.get(path))
    assert f'formaction="{path}#expert-row-6"' in page
    assert page.count('<fieldset class="expert-row"') == 5
    assert '<label for="expert_user_0">Expert 1</label>' in page
    assert '<label for="expert_role_4">Role 5</label>' in page
    response = browser.post(path, {"title": "Kept", "rows": "5", "more_rows": "1"}, page=path)
    page = main_of(response)
    assert 'id="expert-row-6"' in page and f'formaction="{path}#expert-row-11"' in page
    assert '<label for="expert_user_9">Expert 10</label>' in page


def test_empty_facts_have_their_own_words(app, session, world):
    activity = make_activity(session, world["group"], host_region_code=None)
    session.commit()
    page = main_of(browser_for(app).client.get(f"/activities/{activity.id}"))
    facts = page[page.index('id="facts-title"') :]
    assert "No host region" in facts
    assert "No participating region" in facts
    assert "No challenge yet" in facts
    assert ">None<" not in facts


def test_meetings_are_dated_as_the_activity_page_dates_them(app, session, world):
    group = world["group"]
    group.timezone = "Europe/Brussels"
    # 23:30 in Lisbon on 13 January is 00:30 on the 14th in Brussels.
    make_meeting(
        session,
        group,
        title="Late in Lisbon",
        starts_at=datetime(2027, 1, 13, 23, 30, tzinfo=UTC),
        timezone="Europe/Lisbon",
    )
    session.commit()
    browser = browser_for(app, world["coordinator"])
    page = main_of(browser.client.get("/groups/innovation-diffusion/activities/new"))
    assert "Late in Lisbon (13 January 2027)" in page
    assert "2027-01-13" not in page


def test_the_group_panel_shows_the_next_meeting_in_its_own_time_zone(app, session, world):
    group = world["group"]
    group.timezone = "Europe/Brussels"
    soon = make_meeting(
        session,
        group,
        title="Lisbon visit",
        starts_at=(utcnow() + timedelta(days=2)).replace(hour=9, minute=0, second=0, microsecond=0),
        timezone="Europe/Lisbon",
    )
    activity = make_activity(session, group, title="Soon in Lisbon", meetings=(soon,))
    session.commit()
    page = main_of(browser_for(app).client.get("/groups/innovation-diffusion/"))
    row = page[page.index("Soon in Lisbon") :].split("</li>")[0]
    assert "(Europe/Lisbon)" in row and "Europe/Brussels" not in row
    activity_page = main_of(browser_for(app).client.get(f"/activities/{activity.id}"))
    when = row.split("next meeting ")[1].split("</span>")[0].strip()
    assert when in activity_page


def test_outputs_offer_practices_not_yet_added_and_refuse_a_document_twice(app, session, world):
    activity = world["activity"]
    added = make_practice(session, world["group"], title="Porto vouchers")
    make_practice(session, world["group"], title="Graz clusters")
    follows.follow(session, world["member"], follows.ACTIVITY, activity.id)
    session.commit()
    browser = browser_for(app, world["coordinator"])
    path = f"/activities/{activity.id}/outputs"
    browser.post(path, {"form_name": "practice", "practice-practice": str(added.id)}, page=path)
    page = main_of(browser.client.get(path))
    select_html = page[page.index('id="practice-practice"') :].split("</select>")[0]
    assert "Graz clusters" in select_html and "Porto vouchers" not in select_html
    sent = {
        "form_name": "document",
        "document-title": "Slides",
        "document-url": "https://example.org/slides",
    }
    assert browser.post(path, sent, page=path).status_code == 302
    before = (
        count(session, ActivityOutput),
        count(session, AuditEntry),
        count(session, Notification),
    )
    for url in ("https://example.org/slides", " HTTPS://Example.ORG/slides "):
        response = browser.post(path, {**sent, "document-url": url}, page=path)
        assert response.status_code == 400
        assert "This document is already an output of the activity." in main_of(response)
    after = count(session, ActivityOutput), count(session, AuditEntry), count(session, Notification)
    assert after == before
    # Each output added told the activity's followers, with its title.
    told = session.scalars(
        select(Notification.detail)
        .where(
            Notification.user_id == world["member"].id,
            Notification.event == "activity.output_added",
        )
        .order_by(Notification.id)
    ).all()
    assert told == ["Porto vouchers", "Slides"]
