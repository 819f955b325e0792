"""One error hierarchy. Each error has a stable ``code`` and an HTTP ``status``.

The API renders it as problem JSON (RFC 9457) and the web pages as a Chinese error page;
the CLI prints ``message_zh``/``detail`` and exits with ``exit_code``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class ProblemsFound(ValueError):
    """A configuration file (scoring models, list rules, measures …) with problems: ``problems`` names
    every one of them, so an operator fixes the file in one go."""

    def __init__(self, problems: Sequence[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = list(problems)


class DomainError(Exception):
    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"
    title_zh: str = "请求有误"
    exit_code: int = 2

    def __init__(
        self,
        detail: str,
        *,
        code: str | None = None,
        message_zh: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        if code:
            self.code = code
        self.message_zh = message_zh or self.title_zh
        self.errors = errors or []
        self.extra = extra or {}  # further members of the problem (e.g. the id of the conflicting object)

    def to_problem(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://chengxin.example/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
            "message_zh": self.message_zh,
        }
        if instance:
            body["instance"] = instance
        if self.errors:
            body["errors"] = self.errors
        for key, value in self.extra.items():
            body.setdefault(key, value)
        return body


class InvalidInput(DomainError):
    status = 422
    code = "invalid_input"
    title = "Invalid input"
    title_zh = "输入数据不符合要求"


class NotFound(DomainError):
    status = 404
    code = "not_found"
    title = "Not found"
    title_zh = "未找到"
    exit_code = 3


class Conflict(DomainError):
    status = 409
    code = "conflict"
    title = "Conflict"
    title_zh = "与已有数据冲突"


class AuthenticationRequired(DomainError):
    status = 401
    code = "authentication_required"
    title = "Authentication required"
    title_zh = "请先登录"
    exit_code = 4


class PermissionDenied(DomainError):
    status = 403
    code = "permission_denied"
    title = "Permission denied"
    title_zh = "无权执行此操作"
    exit_code = 4


class UnusableInput(DomainError):
    """A file or request that cannot be used at all (as opposed to some bad rows)."""

    status = 400
    code = "unusable_input"
    title = "Unusable input"
    title_zh = "输入文件无法使用"
    exit_code = 2


class PayloadTooLarge(DomainError):
    status = 413
    code = "payload_too_large"
    title = "Payload too large"
    title_zh = "文件过大"
    exit_code = 2


class UnsupportedMediaType(DomainError):
    status = 415
    code = "unsupported_media_type"
    title = "Unsupported media type"
    title_zh = "不支持的文件类型"
    exit_code = 2


class ServiceUnavailable(DomainError):
    """The platform cannot do this now (e.g. the database does not commit); try again later."""

    status = 503
    code = "service_unavailable"
    title = "Service unavailable"
    title_zh = "服务暂不可用"
    exit_code = 1
