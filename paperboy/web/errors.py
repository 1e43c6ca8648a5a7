"""Errors as the client expects them: JSON under /api/, a real HTML page everywhere else.

API errors are `{"error": {"code": "...", "message": "..."}}` with the right status; pages
get an HTML page with the same status that says what went wrong and links home.
"""

from __future__ import annotations

from http import HTTPStatus

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException

from paperboy.web.headers import SECURITY_HEADERS
from paperboy.web.rendering import renderer_of

CODES = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    422: "invalid_parameter",
    500: "internal_error",
}
PAGE_MESSAGES = {
    404: "There is no page at this address.",
    405: "This address does not accept that kind of request.",
    500: "Something went wrong on our side. Please try again in a moment.",
}


def install_error_handlers(app: FastAPI) -> None:
    """Route HTTP, validation and unexpected errors to JSON or HTML by path."""
    app.add_exception_handler(HTTPException, http_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, server_error)


def is_api(request: Request) -> bool:
    path = request.url.path
    return path == "/api" or path.startswith("/api/")


def error_response(request: Request, status_code: int, message: str) -> Response:
    """JSON for the API, an HTML page otherwise; `message` is shown either way."""
    if is_api(request):
        code = CODES.get(status_code, HTTPStatus(status_code).phrase.lower().replace(" ", "_"))
        body = {"error": {"code": code, "message": message}}
        return JSONResponse(body, status_code=status_code)
    title = HTTPStatus(status_code).phrase
    return renderer_of(request).error_page(status_code, title, message)


async def http_error(request: Request, error: HTTPException) -> Response:
    detail = str(error.detail)
    if detail == HTTPStatus(error.status_code).phrase:  # Starlette's default says nothing more
        detail = PAGE_MESSAGES.get(error.status_code, detail)
    response = error_response(request, error.status_code, detail)
    if error.headers:
        response.headers.update(error.headers)
    return response


async def validation_error(request: Request, error: RequestValidationError) -> Response:
    """422 naming the parameter for the API; a 400 page for a bad query on a page."""
    problems = [_describe(problem) for problem in error.errors()]
    status_code = 422 if is_api(request) else 400
    return error_response(request, status_code, "; ".join(problems) or "invalid request")


async def server_error(request: Request, error: Exception) -> Response:
    """A 500 that says nothing of the cause; Starlette re-raises `error` for the server log."""
    response = error_response(request, 500, PAGE_MESSAGES[500])
    # This response leaves through Starlette's outermost middleware, past our header one.
    response.headers.update(SECURITY_HEADERS)
    return response


def _describe(problem: object) -> str:
    if not isinstance(problem, dict):
        return str(problem)
    location = [str(part) for part in problem.get("loc", ()) if part not in ("query", "path")]
    return f"{'.'.join(location) or 'request'}: {problem.get('msg', 'invalid value')}"
