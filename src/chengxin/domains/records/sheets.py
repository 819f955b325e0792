"""Reading the sheets departments send (双公示 行政处罚 / 行政许可, or a generic sheet), pure.

A sheet is read as it comes — CSV (streamed, UTF-8 or GB18030), XLSX or JSON; a title row above
the header, full-width punctuation in headers, empty columns and blank rows are all tolerated.
Headers map to fields (``ALIASES``); which record type a sheet holds is told by its columns; each
row becomes a ``Submission`` for ``records.service`` (``RowMapper``). The legal representative's
identity number (法定代表人证件号码) is read past and never becomes part of a submission.
"""

from __future__ import annotations

import codecs
import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from chengxin.domains.records.rules import Party, RecordRejected, Submission, parse_day
from chengxin.domains.subjects.identifiers import normalise_code
from chengxin.domains.subjects.rules import PARTY_CATEGORY, Kind
from chengxin.errors import UnusableInput
from chengxin.tabular import HEADER_SCAN_ROWS, normalise_header

PENALTY, LICENCE = "admin_penalty", "admin_licence"

# Header (as departments write it, or the generic English name) → field. Headers are compared
# after ``normalise_header`` (NFKC: full-width brackets become ASCII; spaces, ``*`` and colons go).
ALIASES: dict[str, str] = {
    # the party (行政相对人)
    "行政相对人名称": "name", "当事人名称": "name", "主体名称": "name", "企业名称": "name", "name": "name",
    "行政相对人类别": "kind", "当事人类别": "kind", "主体类别": "kind", "kind": "kind",
    "统一社会信用代码": "uscc", "行政相对人代码_1(统一社会信用代码)": "uscc", "行政相对人代码_1": "uscc",
    "uscc": "uscc",
    "工商注册号": "reg_no", "行政相对人代码_2(工商注册号)": "reg_no", "行政相对人代码_2": "reg_no",
    "组织机构代码": "org_code", "行政相对人代码_3(组织机构代码)": "org_code", "行政相对人代码_3": "org_code",
    "税务登记号": "tax_no", "行政相对人代码_4(税务登记号)": "tax_no", "行政相对人代码_4": "tax_no",
    "事业单位证书号": "institution_no", "行政相对人代码_5(事业单位证书号)": "institution_no",
    "行政相对人代码_5": "institution_no",
    "社会组织登记证号": "social_org_no", "行政相对人代码_6(社会组织登记证号)": "social_org_no",
    "行政相对人代码_6": "social_org_no",
    "other_code": "other_code",
    "法定代表人": "legal_representative", "法定代表人(负责人)": "legal_representative",
    "法定代表人姓名": "legal_representative", "legal_representative": "legal_representative",
    "法定代表人证件类型": "lr_id_type", "法定代表人证件号码": "lr_id_number", "法定代表人身份证号码": "lr_id_number",
    "证件类型": "id_type", "当事人证件类型": "id_type", "id_type": "id_type",
    "证件号码": "id_number", "当事人证件号码": "id_number", "身份证号码": "id_number", "居民身份证号码": "id_number",
    "id_number": "id_number", "ric": "ric", "subject_id": "subject_id",
    # the record and its source
    "数据标识": "record_id", "编号": "record_id", "记录编号": "record_id", "信息编号": "record_id",
    "数据编号": "record_id", "唯一标识": "record_id", "source_record_id": "record_id",
    "type": "type", "record_type": "type", "type_code": "type", "记录类型": "type",
    "数据来源单位": "source", "来源单位": "source", "source": "source", "source_org": "source",
    "数据来源单位统一社会信用代码": "source_code", "数据来源单位代码": "source_code", "source_code": "source_code",
    "document_no": "document_no", "文书号": "document_no",
    "decided_on": "decided_on", "决定日期": "decided_on", "occurred_on": "occurred_on",
    "违法行为发生日期": "occurred_on",
    "severity": "severity", "严重程度": "severity", "失信严重程度": "severity",
    "备注": "note", "note": "note",
    # 行政处罚
    "行政处罚决定书文号": "penalty_document_no", "处罚决定书文号": "penalty_document_no",
    "违法行为类型": "violation_type", "violation_type": "violation_type",
    "违法事实": "violation_facts", "主要违法事实": "violation_facts", "violation_facts": "violation_facts",
    "处罚依据": "legal_basis", "legal_basis": "legal_basis",
    "处罚类别": "penalty_category", "处罚种类": "penalty_category", "penalty_category": "penalty_category",
    "处罚内容": "penalty_content", "处罚结果": "penalty_content", "penalty_content": "penalty_content",
    "罚款金额(万元)": "fine_wan", "罚款金额": "fine_wan", "fine_wan": "fine_wan",
    "没收违法所得、没收非法财物的金额(万元)": "confiscation_wan",
    "没收违法所得没收非法财物的金额(万元)": "confiscation_wan",
    "没收金额(万元)": "confiscation_wan", "confiscation_wan": "confiscation_wan",
    "暂扣或吊销证照名称及编号": "licence_suspended", "licence_suspended": "licence_suspended",
    "处罚决定日期": "decided_on",
    "处罚有效期": "penalty_valid_until", "penalty_valid_until": "penalty_valid_until",
    "公示截止期": "source_publicity_until", "公示截止日期": "source_publicity_until",
    "source_publicity_until": "source_publicity_until",
    "处罚机关": "authority", "authority": "authority",
    "处罚机关统一社会信用代码": "authority_code", "authority_code": "authority_code",
    # 行政许可
    "行政许可决定文书名称": "licence_document_name", "licence_document_name": "licence_document_name",
    "行政许可决定文书号": "licence_document_no", "许可决定文书号": "licence_document_no",
    "许可类别": "licence_category", "licence_category": "licence_category",
    "许可证书名称": "certificate_name", "certificate_name": "certificate_name",
    "许可编号": "licence_no", "licence_no": "licence_no",
    "许可内容": "licence_content", "licence_content": "licence_content",
    "许可决定日期": "decided_on",
    "有效期自": "valid_from", "valid_from": "valid_from",
    "有效期至": "valid_to", "valid_to": "valid_to",
    "许可机关": "authority", "许可机关统一社会信用代码": "authority_code",
    "当前状态": "licence_status", "licence_status": "licence_status",
}  # fmt: skip

# Fields that make a sheet a penalty or a licence sheet (when ``--type`` is not given).
PENALTY_FIELDS = frozenset(
    {"penalty_document_no", "violation_type", "violation_facts", "penalty_category", "penalty_content",
     "fine_wan", "confiscation_wan", "licence_suspended", "penalty_valid_until"}
)  # fmt: skip
LICENCE_FIELDS = frozenset(
    {"licence_document_no", "licence_document_name", "licence_category", "certificate_name", "licence_no",
     "licence_content", "valid_from", "licence_status"}
)  # fmt: skip
# Fields that describe the party, the source or the record's identity: never part of the payload.
STRUCTURAL = frozenset(
    {"name", "kind", "uscc", "reg_no", "org_code", "tax_no", "institution_no", "social_org_no", "other_code",
     "lr_id_type", "lr_id_number", "id_type", "id_number", "ric", "subject_id", "record_id", "type", "source",
     "source_code", "document_no", "penalty_document_no", "licence_document_no", "decided_on", "occurred_on",
     "severity", "valid_to"}
)  # fmt: skip
OTHER_CODES = ("other_code", "reg_no", "org_code", "tax_no", "institution_no", "social_org_no")
AMOUNTS = ("fine_wan", "confiscation_wan")
DAYS = ("penalty_valid_until", "source_publicity_until", "valid_from")
RIC_ID_TYPES = frozenset({"身份证", "居民身份证", "中华人民共和国居民身份证", "二代身份证", "ric", "01"})
SEVERITY_ZH = {"轻微": "minor", "较轻": "minor", "一般": "general", "严重": "serious", "特别严重": "serious"}
FEN_PER_WAN = 1_000_000  # 1 万元 = 10,000 元 = 1,000,000 分


@dataclass(frozen=True)
class Rejection:
    """A row that cannot become a record: its row number in the sheet, a stable code and why."""

    row: int
    code: str
    detail: str


# --------------------------------------------------------------------------- reading the file


def _cell(value: object) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime") and hasattr(value, "year"):
        return value.strftime("%Y-%m-%d")  # type: ignore[no-any-return]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value).strip()


def _csv_rows(path: Path) -> Iterator[list[object]]:
    """CSV rows, streamed (a million-row file is never held in memory). The encoding is UTF-8
    when the first 256 KiB decode as UTF-8, GB18030 otherwise."""
    with path.open("rb") as fh:
        head = fh.read(256 * 1024)
    encoding = "utf-8-sig"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=False)
    except UnicodeDecodeError:
        encoding = "gb18030"
    try:
        with path.open(encoding=encoding, newline="") as fh:
            yield from csv.reader(fh)
    except UnicodeDecodeError as exc:
        raise UnusableInput(f"{path.name}: not UTF-8 or GB18030 text ({exc})", code="file_encoding") from exc


def _xlsx_rows(path: Path) -> Iterator[list[object]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for broken files
        raise UnusableInput(f"{path.name}: not a readable XLSX workbook ({exc})", code="file_format") from exc
    try:
        for row in wb.worksheets[0].iter_rows(values_only=True):
            yield list(row)
    finally:
        wb.close()


def _json_rows(path: Path) -> Iterator[list[object]]:
    """A list of objects (or ``{"rows": [...]}``); nested objects are flattened one level: the
    keys of ``"payload": {…}`` become payload fields whatever their names (``payload.KEY``), those
    of another object (``"subject": {"uscc": …}``) columns of their own."""
    try:
        data: Any = json.loads(path.read_text(encoding="utf-8-sig"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise UnusableInput(f"{path.name}: invalid JSON ({exc})", code="file_format") from exc
    if isinstance(data, dict):
        data = data.get("rows") or data.get("data") or data.get("items") or data.get("records")
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise UnusableInput(f'{path.name}: JSON must be a list of objects (or {{"rows": [...]}})', code="file_format")
    flat: list[dict[str, object]] = []
    for r in data:
        row: dict[str, object] = {}
        for k, v in r.items():
            if isinstance(v, dict):
                prefix = "payload." if k == "payload" else ""
                row.update({f"{prefix}{kk}": vv for kk, vv in v.items() if f"{prefix}{kk}" not in row})
            else:
                row[str(k)] = v
        flat.append(row)
    headers: list[str] = []
    for row in flat:
        headers.extend(k for k in row if k not in headers)
    yield list(headers)
    for row in flat:
        yield [row.get(h) for h in headers]


def raw_rows(path: Path) -> Iterator[list[object]]:
    if not path.exists():
        raise UnusableInput(f"{path}: no such file", code="file_missing")
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return _csv_rows(path)
    if suffix in (".xlsx", ".xlsm"):
        return _xlsx_rows(path)
    if suffix == ".json":
        return _json_rows(path)
    raise UnusableInput(
        f"{path.name}: unsupported file type {suffix or '(none)'}; use CSV, XLSX or JSON", code="file_format"
    )


def map_header(cells: Iterable[object], aliases: Mapping[str, str]) -> list[str | None]:
    """The field of each column. ``payload.X`` names a payload field X. When 证件类型/证件号码
    appear twice, the first pair is the legal representative's (the national template's order)."""
    fields: list[str | None] = []
    for c in cells:
        h = normalise_header(c)
        f = aliases.get(h)
        if f is None and h.startswith("payload.") and len(h) > 8:
            f = h[8:]
        fields.append(f)
    for name, lr in (("id_type", "lr_id_type"), ("id_number", "lr_id_number")):
        at = [i for i, f in enumerate(fields) if f == name]
        if len(at) > 1:
            fields[at[0]] = lr
    return fields


@dataclass
class Sheet:
    header_row: int
    fields: list[str | None]
    ignored_headers: list[str]
    rows: Iterator[tuple[int, dict[str, str]]]

    @property
    def present(self) -> set[str]:
        return {f for f in self.fields if f}


def _is_header(fields: list[str | None]) -> bool:
    present = {f for f in fields if f}
    return "decided_on" in present and len(present) >= 3


def _data(
    raw: Iterator[list[object]], fields: list[str | None], header_row: int
) -> Iterator[tuple[int, dict[str, str]]]:
    """Data rows as ``{field: text}``; blank rows skipped; the first non-empty cell of a field wins."""
    columns = [(i, f) for i, f in enumerate(fields) if f is not None]
    for n, row in enumerate(raw, start=header_row + 1):
        record: dict[str, str] = {}
        width = len(row)
        for i, f in columns:
            if i < width:
                value = row[i]
                text = value.strip() if type(value) is str else _cell(value)
                if text and f not in record:
                    record[f] = text
        if record:
            yield n, record


def open_file(path: Path, aliases: Mapping[str, str] = ALIASES, *, only: frozenset[str] | None = None) -> Sheet:
    """Find the header row (in the first rows) and stream the data rows as ``{field: text}``.

    Raises ``UnusableInput`` when the format is unknown or no row looks like a header (one
    naming the decision date — 处罚决定日期 / 许可决定日期 / decided_on — and two more known columns).
    ``only`` limits the rows to those fields (a quicker pass when only some are needed)."""
    raw = raw_rows(path)
    for i, cells in enumerate(raw, start=1):
        fields = map_header(cells, aliases)
        if _is_header(fields):
            ignored = [str(c) for c, f in zip(cells, fields, strict=True) if f is None and _cell(c)]
            wanted = fields if only is None else [f if f in only else None for f in fields]
            return Sheet(i, fields, ignored, _data(raw, wanted, i))
        if i >= HEADER_SCAN_ROWS:
            break
    raise UnusableInput(
        f"{path.name}: no header row in the first {HEADER_SCAN_ROWS} rows (a header names the decision date — "
        "处罚决定日期, 许可决定日期 or decided_on — and the party, document and content columns)",
        code="header_missing",
        message_zh="文件缺少可识别的表头（需含处罚决定日期或许可决定日期等列）",
    )


def detect_type(present: set[str]) -> str | None:
    """admin_penalty or admin_licence from the columns; None when a ``type`` column names it per
    row or the columns do not tell. Raises when a sheet mixes both kinds of columns."""
    if "type" in present:
        return None
    penalty, licence = bool(present & PENALTY_FIELDS), bool(present & LICENCE_FIELDS)
    if penalty and licence:
        raise UnusableInput(
            "the sheet has both penalty and licence columns; say which it is with --type",
            code="record_type_ambiguous",
            message_zh="无法判断是行政处罚还是行政许可表，请用 --type 指定",
        )
    return PENALTY if penalty else LICENCE if licence else None


# --------------------------------------------------------------------------- one row → a submission


def _amount(value: str, what: str) -> tuple[str, int]:
    text = value.replace(",", "").replace("，", "").removesuffix("万元").removesuffix("万").strip()
    try:
        wan = Decimal(text)
    except InvalidOperation as exc:
        raise RecordRejected("invalid_amount", f"{what}: {value!r} is not an amount in 万元") from exc
    if not wan.is_finite() or wan < 0:
        raise RecordRejected("invalid_amount", f"{what}: {value!r} is not an amount in 万元")
    return format(wan.normalize(), "f"), int(wan * FEN_PER_WAN)


def _day_text(value: str) -> str:
    try:
        day = parse_day(value, "date")
    except RecordRejected:
        return value  # 长期, 永久 … kept as the source wrote it
    return day.isoformat() if day else value


def ric_of(row: Mapping[str, str]) -> str | None:
    if row.get("ric"):
        return row["ric"]
    number = row.get("id_number")
    if not number:
        return None
    id_type = row.get("id_type", "").replace(" ", "")
    if id_type and id_type not in RIC_ID_TYPES:
        return None  # a passport or another document: not matchable, and not stored
    return number


def document_no_of(row: Mapping[str, str]) -> str:
    return (row.get("document_no") or row.get("penalty_document_no") or row.get("licence_document_no") or "").strip()


@dataclass
class RowMapper:
    """Turns a sheet row into a ``Submission`` and the name/code of its source (pure). The
    record id is the row's own id (数据标识) or its document number; see ``apply_multi_party``."""

    default_type: str | None = None
    type_names: Mapping[str, str] = field(default_factory=dict)  # Chinese name → code
    default_source: str | None = None

    def _party(self, row: Mapping[str, str]) -> Party:
        raw_kind = row.get("kind", "").strip()
        ric = ric_of(row)
        kind: Kind | None = None
        if raw_kind:
            category = PARTY_CATEGORY.get(raw_kind)
            if category is None and raw_kind.lower() in ("legal", "natural"):
                category = (Kind(raw_kind.lower()), None)
            if category is None:
                raise RecordRejected(
                    "invalid_party_category",
                    f"行政相对人类别 {raw_kind!r} is not 法人及非法人组织, 个体工商户 or 自然人",
                )
            kind = category[0]
        elif row.get("uscc") or row.get("legal_representative") or any(row.get(c) for c in OTHER_CODES):
            kind = Kind.legal
        elif ric:
            kind = Kind.natural
        subject_id = None
        if row.get("subject_id"):
            try:
                subject_id = int(row["subject_id"])
            except ValueError as exc:
                raise RecordRejected("invalid_field", f"subject_id {row['subject_id']!r} is not a number") from exc
        if kind is Kind.natural:
            return Party(row.get("name", ""), "natural", None, normalise_code(ric) if ric else None, None, subject_id)
        uscc = row.get("uscc")
        return Party(
            name=row.get("name", ""),
            kind=str(kind) if kind else None,
            uscc=normalise_code(uscc) if uscc else None,
            ric=normalise_code(ric)
            if ric and kind is None
            else None,  # a legal party's 证件号码 is its representative's
            other_code=next((row[c] for c in OTHER_CODES if row.get(c)), None),
            subject_id=subject_id,
        )

    def submission(self, row: Mapping[str, str]) -> tuple[Submission, str | None, str | None]:
        """(submission, source name, source code); raises ``RecordRejected``."""
        type_text = row.get("type", "").strip()
        type_code = self.type_names.get(type_text, type_text) or self.default_type
        if not type_code:
            raise RecordRejected("missing_field", "type (the record type) is empty; use --type or a type column")
        party = self._party(row)
        document_no = document_no_of(row) or None
        record_id = row.get("record_id", "").strip() or document_no
        if not record_id:
            raise RecordRejected("missing_field", "the record has no id: fill 数据标识 or the document number (文书号)")
        payload: dict[str, Any] = {}
        for key, value in row.items():
            if key in STRUCTURAL:
                continue
            if key in AMOUNTS:
                payload[key], payload[key.replace("_wan", "_fen")] = _amount(value, key)
            elif key in DAYS:
                payload[key] = _day_text(value)
            else:
                payload[key] = value
        if party.kind == "natural":
            payload.pop("legal_representative", None)
        severity = row.get("severity", "").strip()
        sub = Submission(
            type_code=type_code,
            source_record_id=record_id,
            decided_on=row.get("decided_on"),
            party=party,
            occurred_on=row.get("occurred_on"),
            severity=SEVERITY_ZH.get(severity, severity) or None,
            document_no=document_no,
            payload=payload,
            valid_to=row.get("valid_to"),
        )
        source = row.get("source") or self.default_source
        return sub, source, row.get("source_code") if row.get("source") else None
