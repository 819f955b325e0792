"""Login and logout pages. Thin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from chengxin.domains.accounts import service
from chengxin.security.actor import Actor
from chengxin.security.http import SESSION_COOKIE, Require, session_dep, state
from chengxin.security.permissions import Permission as P
from chengxin.templating import render

pages = APIRouter(include_in_schema=False)
DB = Annotated[Session, Depends(session_dep, scope="function")]


@pages.get("/login", response_class=HTMLResponse)
def login_form(request: Request, actor: Actor = Depends(Require(P.public_read))) -> HTMLResponse:
    return render(request, "login.html", {})


@pages.post("/login", response_model=None)
def login(
    request: Request,
    session: DB,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    actor: Actor = Depends(Require(P.public_read)),
) -> Response:
    st = state(request)
    opened = service.login(session, username=username, password=password, days=st.settings.session_days)
    if opened is None:
        return render(request, "login.html", {"error": "用户名或密码错误"}, status_code=401)
    secret, _csrf = opened
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(
        SESSION_COOKIE,
        secret,
        httponly=True,
        samesite="strict",
        secure=st.settings.secure_cookies,
        max_age=st.settings.session_days * 86400,
    )
    return resp


@pages.post("/logout", response_model=None)
def logout(request: Request, session: DB, actor: Actor = Depends(Require(P.public_read))) -> Response:
    cookie = request.cookies.get(SESSION_COOKIE)
    if cookie:
        service.logout(session, secret=cookie)
    resp = RedirectResponse("/", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp
