"""The benchmark data set: CSV files of synthetic subjects, generated once and reused.

One seeded stream of ``iter_subject_rows`` is cut into files of ``chunk`` rows, so every
identifier is unique across the whole set. A manifest written last marks a complete set.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

from chengxin.demo import names_data as nd
from chengxin.demo.province import SUBJECT_CSV_FIELDS, iter_subject_rows, write_subjects_csv

from common import BENCH_VAR, log

SEED = 2026
UNKNOWN_SEED = 9_999  # another stream: valid codes, almost surely absent from the set


@dataclass(frozen=True)
class DataSet:
    name: str
    files: tuple[Path, ...]
    rows_per_file: int
    seed: int

    @property
    def total(self) -> int:
        return len(self.files) * self.rows_per_file


def ensure_dataset(name: str, *, files: int, chunk: int, seed: int = SEED) -> DataSet:
    """Reuse ``var/bench/data/NAME`` when its manifest matches, otherwise (re)generate it."""
    folder = BENCH_VAR / "data" / name
    manifest = folder / "manifest.json"
    paths = tuple(folder / f"subjects-{i + 1:02d}.csv" for i in range(files))
    wanted = {"seed": seed, "files": files, "chunk": chunk, "fields": list(SUBJECT_CSV_FIELDS)}
    if manifest.exists() and json.loads(manifest.read_text()) == wanted and all(p.exists() for p in paths):
        log(f"data set {name}: reusing {files} × {chunk:,} rows in {folder}")
        return DataSet(name, paths, chunk, seed)
    folder.mkdir(parents=True, exist_ok=True)
    manifest.unlink(missing_ok=True)
    log(f"data set {name}: generating {files} × {chunk:,} rows (seed {seed}) into {folder}")
    start = time.perf_counter()
    stream = iter_subject_rows(files * chunk, seed=seed)
    for path in paths:
        tmp = path.with_suffix(".tmp")
        n = write_subjects_csv(tmp, islice(stream, chunk))
        if n != chunk:
            raise RuntimeError(f"{path}: wrote {n} rows, expected {chunk}")
        tmp.replace(path)
        log(f"  wrote {path.name} ({time.perf_counter() - start:.1f} s)")
    manifest.write_text(json.dumps(wanted))
    return DataSet(name, paths, chunk, seed)


def read_rows(data: DataSet) -> list[dict[str, str]]:
    """Every row of the set (a few hundred MB for a million rows: fine on this machine)."""
    import csv

    rows: list[dict[str, str]] = []
    for path in data.files:
        with path.open(encoding="utf-8", newline="") as fh:
            rows.extend(csv.DictReader(fh))
    return rows


# --- what the HTTP benchmarks ask for -------------------------------------------------------------

@dataclass(frozen=True)
class Probe:
    """One planned request: the path, the status that is correct, a label, the expected USCC if any;
    a POST when it has a (JSON) body."""

    path: str
    expect: int
    tag: str
    target: str | None = None
    body: bytes | None = None


def unknown_codes(n: int, *, known: set[str] | frozenset[str] = frozenset(), uscc_only: bool = False) -> list[str]:
    """Valid codes of subjects that are not in the data set (a generator run with another seed): ``n``
    subjects' USCC or RIC, or with ``uscc_only`` up to ``n`` USCCs."""
    rows = iter_subject_rows(2 * n if uscc_only else n, seed=UNKNOWN_SEED)
    codes = [r["uscc"] for r in rows if r["uscc"]][:n] if uscc_only else [r["uscc"] or r["ric"] for r in rows]
    return [c for c in codes if c not in known]


def lookup_probes(rows: list[dict[str, str]], count: int, *, seed: int) -> list[Probe]:
    """~5 % unknown codes (404), the rest known: ~80 % USCC, ~20 % RIC (200)."""
    from urllib.parse import quote

    rng = random.Random(seed)
    usccs = [r["uscc"] for r in rows if r["uscc"]]
    rics = [r["ric"] for r in rows if r["ric"]]
    unknown = unknown_codes(max(200, count // 10), known=set(usccs) | set(rics))
    probes: list[Probe] = []
    for _ in range(count):
        r = rng.random()
        if r < 0.05:
            code, expect, tag = rng.choice(unknown), 404, "unknown"
        elif r < 0.05 + 0.95 * 0.8:
            code, expect, tag = rng.choice(usccs), 200, "uscc"
        else:
            code, expect, tag = rng.choice(rics), 200, "ric"
        probes.append(Probe(f"/api/v1/subjects/by-code/{quote(code)}", expect, tag))
    return probes


_WORDS = sorted({w for mix in nd.LEGAL_MIX for w in mix[3]}, key=len, reverse=True)
_BRAND_CHARS = frozenset(nd.BRANDS)


def brand_of(name: str) -> tuple[str, str] | None:
    """(字号, the industry word after it) in a generated legal name, e.g. ("通润", "机械")."""
    for i in range(len(name) - 3):
        if name[i] in _BRAND_CHARS and name[i + 1] in _BRAND_CHARS:
            word = next((w for w in _WORDS if name.startswith(w, i + 2)), None)
            if word is not None:
                return name[i:i + 2], word
    return None


def _ascii_brackets(name: str) -> str:
    return name.replace("（", "(").replace("）", ")")


def search_probes(rows: list[dict[str, str]], count: int, *, seed: int) -> list[Probe]:
    """Name queries drawn from loaded legal persons, in four equal groups:

    ``brand2`` the 2-character 字号 (通润); ``brand4`` 字号 + first two characters of the industry
    word (通润机械); ``full`` the name as registered; ``variant`` the name written otherwise —
    traditional script (江蘇通潤機械有限公司), or for a branch, its brackets in the other width
    (stored names use full-width （）, the query ASCII ()). Full and variant queries know the USCC
    they should find."""
    from urllib.parse import urlencode

    rng = random.Random(seed)
    legal = [r for r in rows if r["kind"] == "legal"]
    branches = [r for r in legal if "（" in r["name"]]
    probes: list[Probe] = []
    groups = ("brand2", "brand4", "full", "variant")
    while len(probes) < count:
        tag = groups[len(probes) % len(groups)]
        row = rng.choice(branches if tag == "variant" and rng.random() < 0.5 else legal)
        name = row["name"]
        query: str | None
        if tag in ("brand2", "brand4"):
            found = brand_of(name)
            query = None if found is None else found[0] + (found[1][:2] if tag == "brand4" else "")
            target = None
        elif tag == "full":
            query, target = name, row["uscc"]
        else:
            query = _ascii_brackets(name) if "（" in name else nd.traditional(name)
            target = row["uscc"]
        if query:
            probes.append(Probe("/api/v1/subjects?" + urlencode({"q": query}), 200, tag, target))
    rng.shuffle(probes)
    return probes
