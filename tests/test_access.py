"""Every route is in the access table, and each role gets what the table says."""

from __future__ import annotations

import pytest

from tests.access import ACCESS_TABLE, LOGIN, ROLES
from tests.factories import make_group


def test_every_route_is_in_the_access_table(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint != "static"
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    table = {(route.endpoint, route.method) for route in ACCESS_TABLE}

    assert routes - table == set(), "routes missing from tests/access.py"
    assert table - routes == set(), "tests/access.py names routes that do not exist"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", ACCESS_TABLE, ids=lambda r: f"{r.method} {r.path}")
def test_each_role_gets_what_the_table_says(route, role, browser, session, user, admin):
    group = make_group(session)
    session.commit()
    if role != "anonymous":
        browser.login(user if role == "user" else admin)
    path = route.path.format(group=group.slug)

    if route.method == "GET":
        response = browser.client.get(path)
    else:
        response = browser.post(path, route.data, page="/")

    expected = route.expect[role]
    if expected == LOGIN:
        assert response.status_code == 302
        assert response.headers["Location"].startswith("/account/login")
    else:
        assert response.status_code == expected, response.get_data(as_text=True)[:500]
