"""Reading an attachment (材料调阅): the organisations that may are those deciding the objections
or repair applications it was filed with."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chengxin.domains.attachments import service as attachments
from chengxin.domains.attachments.models import Attachment
from chengxin.domains.attachments.storage import FileStore
from chengxin.domains.objections import service as objections
from chengxin.domains.repair import service as repairs
from chengxin.security.actor import Actor


def read_attachment(
    session: Session, store: FileStore, *, actor: Actor, attachment_id: int
) -> tuple[Attachment, bytes]:
    orgs: list[int | None] = []
    for object_type, object_id in attachments.links_of(session, attachment_id):
        if object_type == "objection":
            obj = objections.get(session, object_id)
            if obj.status != "filed":  # with the source once forwarded
                orgs.append(obj.source_org_id)
        elif object_type == "repair_application":
            orgs.append(repairs.get(session, object_id).decider_org_id)
    return attachments.read(session, store, actor=actor, attachment_id=attachment_id, deciding_org_ids=orgs)
