"""E-mail and SMS (邮件/短信): the ``Notifier`` interface, a fake that keeps what it was given, and
the factory. A province plugs its own gateway in by implementing ``Notifier``."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class Message:
    subject_id: int
    title: str
    body: str
    link: str | None = None


class Notifier(Protocol):
    name: str

    def send(self, message: Message) -> None: ...


@dataclass
class FakeNotifier:
    """Keeps every message (tests, the demo): nothing leaves the machine."""

    name: str = "fake"
    sent: list[Message] = field(default_factory=list)

    def send(self, message: Message) -> None:
        self.sent.append(message)


_FAKE = FakeNotifier()


def make_notifier(kind: str) -> Notifier:
    if kind == "fake":
        return _FAKE
    raise ValueError(f"unknown notifier {kind!r} (available: fake)")
