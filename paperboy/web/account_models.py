"""The JSON shapes of the account API (`/api/auth/*`, `/api/me`, `/api/me/tokens`)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from paperboy.domain.account_rules import PASSWORD_MAX
from paperboy.domain.accounts import User
from paperboy.domain.credentials import ApiToken

PasswordText = Field(max_length=PASSWORD_MAX, description="10 to 1024 characters")


class Me(BaseModel):
    """The member making the request."""

    id: int
    username: str = Field(examples=["ada"])
    email: str = Field(examples=["ada@example.org"])
    displayName: str = Field(examples=["Ada L."])
    role: str = Field(description="member, curator or admin", examples=["member"])
    status: str = Field(description="active, banned or deleted", examples=["active"])
    emailVerified: bool
    createdAt: datetime
    showUpvotes: bool = Field(description="whether the profile lists the member's upvotes")
    csrfToken: str | None = Field(
        default=None,
        description="With a session cookie: the token to send as X-CSRF-Token on writes.",
    )


def me(user: User, csrf_token: str = "") -> Me:
    return Me(
        id=user.id,
        username=user.username,
        email=user.email,
        displayName=user.display_name,
        role=user.role.value,
        status=user.status.value,
        emailVerified=user.email_verified_at is not None,
        createdAt=user.created_at,
        showUpvotes=user.show_upvotes,
        csrfToken=csrf_token or None,
    )


class SignUp(BaseModel):
    username: str = Field(max_length=100, description="3 to 30 of a-z 0-9 _ -", examples=["ada"])
    email: str = Field(max_length=254, examples=["ada@example.org"])
    password: str = PasswordText
    displayName: str = Field(default="", max_length=200, description="defaults to the username")


class LogIn(BaseModel):
    login: str = Field(max_length=254, description="username or email", examples=["ada"])
    password: str = PasswordText


class LoggedIn(BaseModel):
    """A new session: the cookie is set too; send `csrfToken` as X-CSRF-Token on writes."""

    user: Me
    csrfToken: str


class PasswordResetRequest(BaseModel):
    email: str = Field(max_length=254, examples=["ada@example.org"])


class PasswordReset(BaseModel):
    token: str = Field(max_length=200, description="the token from the reset link")
    password: str = PasswordText


class EmailTokenBody(BaseModel):
    token: str = Field(max_length=200, description="the token from the emailed link")


class PasswordChange(BaseModel):
    currentPassword: str = PasswordText
    newPassword: str = PasswordText


class EmailChange(BaseModel):
    password: str = PasswordText
    newEmail: str = Field(max_length=254, examples=["ada@new.example.org"])


class ProfileUpdate(BaseModel):
    displayName: str = Field(max_length=200)
    showUpvotes: bool = False


class AccountDeletion(BaseModel):
    password: str = PasswordText


class TokenRequest(BaseModel):
    name: str = Field(max_length=100, description="what the token is for", examples=["my script"])


class TokenInfo(BaseModel):
    """A personal API token, without its secret."""

    id: int
    name: str
    prefix: str = Field(description="the first characters, to tell tokens apart")
    createdAt: datetime
    lastUsedAt: datetime | None
    revokedAt: datetime | None


class NewToken(TokenInfo):
    token: str = Field(description="the secret: shown this once, store it now")


def token_info(token: ApiToken) -> TokenInfo:
    return TokenInfo(
        id=token.id,
        name=token.name,
        prefix=token.prefix,
        createdAt=token.created_at,
        lastUsedAt=token.last_used_at,
        revokedAt=token.revoked_at,
    )


class Done(BaseModel):
    """The action was taken (or, where saying more would reveal an account, accepted)."""

    ok: bool = True
    message: str = ""
