"""Error pages and form errors speak the reader's language: a domain error raised in
English by a service is shown in bokmål on a Norwegian page."""

from __future__ import annotations

from tests.web.conftest import Rana


def test_error_page_shows_the_domain_error_in_the_pages_language(rana: Rana) -> None:
    with rana.login("viewer") as (client, _):
        nb = client.get(f"{rana.base}/users", params={"lang": "nb"})
        assert nb.status_code == 403
        assert "for å administrere regionens brukere må du ha rollen tilrettelegger" in nb.text
        assert "you need to be" not in nb.text
        en = client.get(f"{rana.base}/users", params={"lang": "en"})
        assert en.status_code == 403
        assert "to manage the region&#39;s users you need to be a facilitator of this region" in en.text


def test_form_error_is_shown_in_norwegian(rana: Rana) -> None:
    viewer = rana.world.users["viewer"]
    with rana.login("facilitator") as (client, csrf):
        form = {"csrf_token": csrf, "email": viewer.email, "role": "boss"}
        nb = client.post(f"{rana.base}/users?lang=nb", data=form)
        assert nb.status_code == 422
        assert "ukjent rolle &#39;boss&#39;: bruk en av" in nb.text and "unknown role" not in nb.text
        en = client.post(f"{rana.base}/users?lang=en", data=form)
        assert en.status_code == 422 and "unknown role &#39;boss&#39;: use one of" in en.text


def test_import_row_problems_are_shown_in_the_pages_language(rana: Rana) -> None:
    """Row problems are stored with the job as English text plus their catalog key, so
    the preview shows them in the language of whoever reads it."""
    from tests.web.test_imports import BAD, HEADER, upload, wait_for_job

    with rana.login("facilitator") as (client, csrf):
        url = upload(client, rana, csrf, HEADER + BAD)
        wait_for_job(client, url)
        nb = client.get(url, params={"lang": "nb"}).text
        assert "breddegraden 200.0 er utenfor -90..90 WGS84-grader" in nb and "outside" not in nb
        en = client.get(url, params={"lang": "en"}).text
        assert "latitude 200.0 is outside -90..90 WGS84 degrees" in en
