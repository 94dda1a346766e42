"""Error pages and form errors speak the reader's language: a domain error raised in
English by a service is shown in bokmål on a Norwegian page."""

from __future__ import annotations

from tests.web.conftest import Rana


def test_error_page_shows_the_domain_error_in_the_pages_language(rana: Rana) -> None:
    with rana.login("facilitator") as (client, _):
        nb = client.get(f"{rana.base}/organisations", params={"sort": "bogus", "lang": "nb"})
        assert nb.status_code == 422
        assert "kan ikke sortere etter &#39;bogus&#39;" in nb.text and "cannot sort by" not in nb.text
        en = client.get(f"{rana.base}/organisations", params={"sort": "bogus", "lang": "en"})
        assert en.status_code == 422 and "cannot sort by &#39;bogus&#39;" in en.text


def test_form_error_is_shown_in_norwegian(rana: Rana) -> None:
    viewer = rana.world.users["viewer"]
    with rana.login("facilitator") as (client, csrf):
        form = {"csrf_token": csrf, "email": viewer.email, "role": "boss"}
        nb = client.post(f"{rana.base}/users?lang=nb", data=form)
        assert nb.status_code == 422
        assert "ukjent rolle &#39;boss&#39;: bruk en av" in nb.text and "unknown role" not in nb.text
        en = client.post(f"{rana.base}/users?lang=en", data=form)
        assert en.status_code == 422 and "unknown role &#39;boss&#39;: use one of" in en.text
