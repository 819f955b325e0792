"""Signing reports (Ed25519) and reading a signed report back.

A signed report is the PDF followed by one comment line after its ``%%EOF`` (PDF readers ignore it)::

    %CX-SIGNATURE v1 <report number> <key id> <base64 signature>\\n

The signature covers every byte before it: the whole PDF and the line's own start up to the signature
(so the number and key id named in the line are signed too). Changing any byte — in the content, in the
line, anywhere — makes the signature fail. The key is ``CHENGXIN_REPORT_SIGNING_KEY`` (base64 of a 32-byte
Ed25519 private key) or a key file ``<var_dir>/report-signing.key`` made on first use.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from chengxin.config import Settings

MARK = b"%CX-SIGNATURE v1 "
ALGORITHM = "Ed25519"
KEY_FILE = "report-signing.key"


class NotSigned(ValueError):
    """The file carries no (well-formed) signature line: ``code`` says which."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.detail = code, detail


@dataclass(frozen=True)
class SigningKey:
    private: Ed25519PrivateKey
    public_raw: bytes
    key_id: str

    @property
    def public_b64(self) -> str:
        return base64.b64encode(self.public_raw).decode()

    def public_pem(self) -> str:
        return self.private.public_key().public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode()


def key_id_of(public_raw: bytes) -> str:
    """The first 16 hex digits of the SHA-256 of the raw public key."""
    return hashlib.sha256(public_raw).hexdigest()[:16]


def key_from_seed(seed: bytes) -> SigningKey:
    if len(seed) != 32:
        raise ValueError("the report signing key must be 32 bytes (base64 of an Ed25519 private key)")
    private = Ed25519PrivateKey.from_private_bytes(seed)
    raw = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return SigningKey(private, raw, key_id_of(raw))


def load_seed(settings: Settings) -> bytes:
    if settings.report_signing_key:
        return base64.b64decode(settings.report_signing_key)
    path = settings.var_dir / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it meanwhile
            pass
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(base64.b64encode(os.urandom(32)))
    return base64.b64decode(Path(path).read_bytes())


def signing_key(settings: Settings) -> SigningKey:
    return _key_for(load_seed(settings))


@lru_cache(maxsize=8)
def _key_for(seed: bytes) -> SigningKey:
    return key_from_seed(seed)


def public_raw(b64: str) -> bytes:
    return base64.b64decode(b64)


def sign(pdf: bytes, *, number: str, key: SigningKey) -> bytes:
    """The PDF with its signature line appended."""
    body = pdf if pdf.endswith(b"\n") else pdf + b"\n"
    head = body + MARK + f"{number} {key.key_id} ".encode()
    signature = base64.b64encode(key.private.sign(head))
    return head + signature + b"\n"


@dataclass(frozen=True)
class Signed:
    number: str
    key_id: str
    signature: bytes
    message: bytes  # every byte the signature covers


def read_signed(data: bytes) -> Signed:
    """The signature line of a signed report, and what it covers; ``NotSigned`` if there is none."""
    at = data.rfind(b"\n" + MARK)
    if at < 0:
        raise NotSigned("not_signed", "the file carries no Chengxin report signature (no %CX-SIGNATURE line)")
    line = data[at + 1 :]
    if not line.endswith(b"\n") or line.count(b"\n") != 1:
        raise NotSigned("signature_malformed", "the signature line is not the file's last line")
    parts = line[len(MARK) :].rstrip(b"\n").split(b" ")
    if len(parts) != 3:
        raise NotSigned("signature_malformed", "the signature line must carry number, key id and signature")
    try:
        number, key_id = parts[0].decode("ascii"), parts[1].decode("ascii")
        signature = base64.b64decode(parts[2], validate=True)
    except (UnicodeDecodeError, binascii.Error) as exc:
        raise NotSigned("signature_malformed", f"the signature line cannot be read: {exc}") from exc
    message = data[: at + 1 + len(MARK) + len(parts[0]) + len(parts[1]) + 2]
    return Signed(number, key_id, signature, message)


def signature_holds(signed: Signed, public_raw: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_raw).verify(signed.signature, signed.message)
    except (InvalidSignature, ValueError):
        return False
    return True


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
