"""The dashboard's front door: ``/`` sends browsers to it, the login form, logging out."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.dashboard import session as ui_session
from api.dashboard.rendering import render
from api.deps import SessionDep, SettingsDep, Viewer
from api.security import UI_SESSION_COOKIE, client_address, guard_of
from core.auth.tokens import ACCESS, UI_REFRESH
from services import logins
from store import identity

router = APIRouter(include_in_schema=False)

HOME = "/ui/runs"


@router.get("/")
async def root() -> RedirectResponse:
    return RedirectResponse("/ui/", status_code=307)


@router.get("/ui")
@router.get("/ui/")
async def home(principal: Viewer) -> RedirectResponse:
    return RedirectResponse(HOME, status_code=303)


def _login_page(
    request: Request, next_url: str, email: str = "", error: str | None = None, status: int = 200
) -> Response:
    token = ui_session.new_login_token()
    page = render(
        request,
        "login.html",
        {"next": next_url, "email": email, "error": error, "login_token": token},
        status_code=status,
    )
    ui_session.set_login_token(request, page, token)
    return page


@router.get("/ui/login")
async def login_form(request: Request, next: str | None = None) -> Response:
    return _login_page(request, ui_session.safe_next(next, HOME))


@router.post("/ui/login")
async def login(request: Request, session: SessionDep, settings: SettingsDep) -> Response:
    fields = await ui_session.read_form(request)
    next_url = ui_session.safe_next(fields.get("next"), HOME)
    email = fields.get("email", "").strip()
    if not ui_session.login_token_matches(request, fields.get("login_token", "")):
        return _login_page(
            request, next_url, email, "the login form had expired: please log in again", 400
        )
    if not email or not fields.get("password"):
        return _login_page(request, next_url, email, "enter your email and password", 400)
    try:
        guard = guard_of(request)
        issued = await logins.log_in(
            session,
            settings,
            guard.signer,
            email,
            fields["password"],
            throttle=guard.login_throttle,
            address=client_address(request),
            refresh_kind=UI_REFRESH,
        )
    except logins.LoginRefused as exc:
        return _login_page(request, next_url, email, exc.message, 400)
    # This browser's earlier login (its cookies are about to be replaced) ends here.
    await logins.end_replaced_logins(
        session,
        guard.signer,
        {
            UI_REFRESH: request.cookies.get(ui_session.REFRESH_COOKIE),
            ACCESS: request.cookies.get(UI_SESSION_COOKIE),
        },
    )
    response = RedirectResponse(next_url, status_code=303)
    ui_session.set_login(request, response, issued)
    response.delete_cookie(ui_session.LOGIN_COOKIE, path="/ui/login")
    return response


@router.post("/ui/logout")
async def logout(principal: Viewer, form: ui_session.CheckedForm, session: SessionDep) -> Response:
    """End the login (its access and refresh tokens stop working) and forget both cookies."""
    if principal.session_id:
        await identity.revoke_session(session, principal.session_id, "logout")
    response = RedirectResponse("/ui/login", status_code=303)
    ui_session.clear_login(response)
    return response
