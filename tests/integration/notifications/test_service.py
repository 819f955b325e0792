"""Notifications: written with the change, listed newest first, read marks, handed to the channel once."""

from __future__ import annotations

import random

from chengxin.config import Settings
from chengxin.db import Database, unit_of_work
from chengxin.domains.notifications import service
from chengxin.domains.notifications.channels import FakeNotifier, make_notifier
from chengxin.domains.subjects import service as subjects
from chengxin.domains.subjects.schemas import LegalSubjectIn
from chengxin.errors import NotFound
from chengxin.security.actor import cli_actor
from chengxin.security.crypto import cipher
from tests.factories import make_uscc


def test_notify_list_read_and_send_once(db: Database, settings: Settings) -> None:
    with unit_of_work(db) as s:
        data = LegalSubjectIn(kind="legal", name="某某通知有限公司", uscc=make_uscc(random.Random(11)))
        sid = subjects.create_subject(s, actor=cli_actor("tests"), data=data, cipher=cipher(settings)).id
        first = service.notify_subject(s, subject_id=sid, kind="objection.filed", title_zh="异议已受理", body_zh="…")
        service.notify_subject(s, subject_id=sid, kind="objection.decided", title_zh="异议处理结果", body_zh="…")
    with unit_of_work(db) as s:
        assert [n.kind for n in service.for_subject(s, sid)] == ["objection.decided", "objection.filed"]
        assert service.unread_count(s, sid) == 2
        service.mark_read(s, subject_id=sid, notification_id=first.id)
        try:
            service.mark_read(s, subject_id=sid + 1, notification_id=first.id)
            raise AssertionError("another subject's notification was marked")
        except NotFound:
            pass
    fake = FakeNotifier()
    with unit_of_work(db) as s:
        assert service.unread_count(s, sid) == 1
        assert service.send_pending(s, fake) == 2
    with unit_of_work(db) as s:
        assert service.send_pending(s, fake) == 0  # each handed over once
    assert [m.title for m in fake.sent] == ["异议已受理", "异议处理结果"]
    assert make_notifier("fake").name == "fake"
