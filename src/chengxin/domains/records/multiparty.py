"""Documents naming several parties (一文书多当事人): in a 双公示 sheet one penalty decision may list
several 行政相对人, each its own row with the same document number and no row id. Each party's
record is then identified by the number and the party (``文号#party``), so all are kept and a second
import finds them unchanged. One quick pass finds such documents; ``apply_multi_party`` renames."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from chengxin.domains.records import service as record_service
from chengxin.domains.records.rules import Party
from chengxin.domains.records.sheets import OTHER_CODES, Rejection, document_no_of, ric_of
from chengxin.domains.subjects.identifiers import IdentifierError, validate_ric
from chengxin.security.crypto import PiiCipher


def party_key(row: Mapping[str, str]) -> str:
    """Who a row is about, as text (to tell the parties of one document apart)."""
    if row.get("uscc"):
        return "u:" + row["uscc"].strip().upper()
    ric = ric_of(row)
    if ric:
        return "r:" + ric.strip().upper()
    other = next((row[c] for c in OTHER_CODES if row.get(c)), None)
    return "o:" + other if other else "n:" + row.get("name", "")


PARTY_FIELDS = frozenset(
    {"record_id", "document_no", "penalty_document_no", "licence_document_no", "uscc", "ric", "id_type",
     "id_number", "name", *OTHER_CODES}
)  # fmt: skip


def multi_party_documents(rows: Iterable[tuple[int, Mapping[str, str]]]) -> set[str]:
    """Document numbers naming more than one party among rows without their own id (one pass)."""
    first: dict[str, int] = {}
    multi: set[str] = set()
    for _n, row in rows:
        if row.get("record_id"):
            continue
        doc = document_no_of(row)
        if not doc or doc in multi:
            continue
        key = hash(party_key(row))
        seen = first.setdefault(doc, key)
        if seen != key:
            multi.add(doc)
    return multi


def party_suffix(party: Party, cipher: PiiCipher) -> str:
    """What tells the parties of one document apart in a record id: the USCC or another
    registration number as such, a keyed hash for a person's identity number or a name (the
    record id is stored in clear, a person's number never is)."""
    if party.uscc:
        return party.uscc
    if party.ric:
        try:
            ric = validate_ric(party.ric)
        except IdentifierError:
            ric = party.ric
        return "p" + cipher.blind_index(ric, context="record_party")[:15]
    if party.other_code:
        return party.other_code
    return "n" + cipher.blind_index(party.name, context="record_party_name")[:15]


def apply_multi_party(
    items: list[record_service.Item], multi_docs: set[str], cipher: PiiCipher
) -> tuple[list[record_service.Item], list[Rejection]]:
    """A record identified by its document number, where the document names several parties,
    is identified by the number and the party (``文号#party``), so each party's record is kept
    and a second import of the same file finds them all unchanged. Done after validation (the
    record id is not part of a record's content), by the process that also found the documents."""
    if not multi_docs:
        return items, []
    kept: list[record_service.Item] = []
    rejected: list[Rejection] = []
    for it in items:
        v = it.prepared.values
        doc = v["source_document_no"]
        if doc in multi_docs and v["source_record_id"] == doc:
            key = f"{doc}#{party_suffix(it.prepared.party, cipher)}"
            if len(key) > 120:
                rejected.append(Rejection(it.index, "invalid_field", "document number and party exceed 120 characters"))
                continue
            v["source_record_id"] = key
        kept.append(it)
    return kept, rejected
