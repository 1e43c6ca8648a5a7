"""JSON errors for the API and feeds: `{"error": {"code", "message"}}` with the right status.

The routers use `JsonErrorRoute`, so their errors keep this shape whatever handlers the app
installs for its HTML pages: a bad query parameter is a 422 naming the parameter, an unknown
paper a 404.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

INVALID_PARAMETER = "invalid_parameter"
NOT_FOUND = "not_found"


class ApiError(Exception):
    """An error a route reports to the client as JSON."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


class ErrorDetail(BaseModel):
    code: str = Field(description="machine-readable kind", examples=[INVALID_PARAMETER])
    message: str = Field(
        description="what went wrong, starting with the parameter's name",
        examples=["limit: Input should be less than or equal to 100"],
    )


class ErrorResponse(BaseModel):
    """The body of every API error."""

    error: ErrorDetail


def invalid_parameter(name: str, problem: str) -> ApiError:
    """A 422 naming the query or path parameter `name`."""
    return ApiError(422, INVALID_PARAMETER, f"{name}: {problem}")


def not_found(message: str) -> ApiError:
    return ApiError(404, NOT_FOUND, message)


def error_response(error: ApiError) -> JSONResponse:
    body = {"error": {"code": error.code, "message": error.message}}
    return JSONResponse(body, status_code=error.status_code)


def validation_error(errors: Sequence[Any]) -> ApiError:
    """The first failed check of a request, as a 422 naming its parameter."""
    first = errors[0] if errors else {}
    location = [str(part) for part in first.get("loc", ()) if part not in ("query", "path")]
    name = ".".join(location) or "request"
    return invalid_parameter(name, str(first.get("msg", "invalid value")))


class JsonErrorRoute(APIRoute):
    """A route whose validation failures and `ApiError`s become JSON error responses."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def handle(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as error:
                return error_response(validation_error(error.errors()))
            except ApiError as error:
                return error_response(error)

        return handle


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "Not found"},
    422: {"model": ErrorResponse, "description": "A parameter is invalid; the message names it"},
}
