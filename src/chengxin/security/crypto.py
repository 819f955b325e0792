"""Personal data at rest: AES-GCM encryption and a keyed blind index (PIPL §51).

One master key (``CHENGXIN_PII_KEY``) is split with HKDF into an encryption key and an index
key. Ciphertexts carry a version prefix so keys can be rotated later. The blind index is an
HMAC of the normalised value: equal values give equal indexes, so exact lookup works without
decrypting, and the index reveals nothing without the key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from chengxin.config import Settings

_VERSION = b"v1"


def _derive(master: bytes, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)


@dataclass(frozen=True)
class PiiCipher:
    enc_key: bytes
    index_key: bytes
    _aead: AESGCM = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_aead", AESGCM(self.enc_key))

    @classmethod
    def from_master(cls, master: bytes) -> PiiCipher:
        if len(master) != 32:
            raise ValueError("the PII master key must be 32 bytes")
        return cls(_derive(master, b"chengxin-pii-enc"), _derive(master, b"chengxin-pii-index"))

    def encrypt(self, plaintext: str, *, context: str) -> bytes:
        """Encrypt; ``context`` (e.g. ``"ric"``) is bound as associated data."""
        nonce = os.urandom(12)
        ct = self._aead.encrypt(nonce, plaintext.encode(), context.encode())
        return _VERSION + nonce + ct

    def decrypt(self, blob: bytes, *, context: str) -> str:
        if blob[:2] != _VERSION:
            raise ValueError("unknown ciphertext version")
        nonce, ct = blob[2:14], blob[14:]
        return self._aead.decrypt(nonce, ct, context.encode()).decode()

    def blind_index(self, value: str, *, context: str) -> str:
        mac = hmac.new(self.index_key, f"{context}:{value}".encode(), hashlib.sha256)
        return mac.hexdigest()

    def blind_indexer(self, *, context: str) -> Callable[[str], str]:
        """``blind_index`` for many values: the keyed state built once and copied for each (a third of
        the cost per value)."""
        keyed = hmac.new(self.index_key, f"{context}:".encode(), hashlib.sha256)

        def index(value: str) -> str:
            mac = keyed.copy()
            mac.update(value.encode())
            return mac.hexdigest()

        return index


def load_master_key(settings: Settings) -> bytes:
    if settings.pii_key:
        return base64.b64decode(settings.pii_key)
    path = settings.var_dir / "pii.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(base64.b64encode(os.urandom(32)))
    return base64.b64decode(Path(path).read_bytes())


@lru_cache(maxsize=8)
def _cipher_for(master: bytes) -> PiiCipher:
    return PiiCipher.from_master(master)


def cipher(settings: Settings) -> PiiCipher:
    return _cipher_for(load_master_key(settings))
