"""Form posts from logged-in pages: the session's CSRF token in a form field, and
the request from our own origin. (The JSON API takes the token as a header instead;
an HTML form cannot send headers.)"""

from __future__ import annotations

from sqlalchemy.orm import Session

from sidestream.api.security import csrf_valid, read_session_cookie
from sidestream.domain.visibility import Viewer
from sidestream.errors import PermissionDeniedError
from sidestream.i18n import N_, translate
from sidestream.services.accounts import AuthenticationError, viewer_for
from sidestream.store.models import Region
from sidestream.web.deps import Web
from sidestream.web.security import same_origin

FORM_REFUSED = N_("This form has expired or comes from another site: reload the page and try again.")
LOGIN_FIRST = N_("Log in first.")


def check_form(web: Web, csrf_token: str) -> None:
    """Refuse a form post without the session's token or from another origin."""
    token = read_session_cookie(web.request, web.settings)
    if web.user is None or token is None:
        raise AuthenticationError(translate(LOGIN_FIRST, web.lang))
    if not same_origin(web.request) or not csrf_valid(web.settings, token, csrf_token):
        raise PermissionDeniedError(translate(FORM_REFUSED, web.lang))


def form_viewer(session: Session, web: Web, region: Region, csrf_token: str) -> Viewer:
    """The checked form's viewer in ``region``."""
    check_form(web, csrf_token)
    return viewer_for(session, web.user, region)
