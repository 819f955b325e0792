"""Docs are tested: these fail when a setting, CLI command, API route, permission or
identifier error code exists in the code but not in the documentation (the Datasette habit).

No database server is needed: the app is built on a throwaway SQLite file.
"""

from __future__ import annotations

import ast
import base64
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer

from chengxin.config import Settings
from chengxin.security.permissions import MATRIX, Permission, Role

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SRC = ROOT / "src" / "chengxin"

MATRIX_START = "<!-- permission-matrix:start -->"
MATRIX_END = "<!-- permission-matrix:end -->"


def _read(path: Path) -> str:
    assert path.exists(), f"{path.relative_to(ROOT)} is missing"
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def operations() -> str:
    return _read(DOCS / "operations.md")


@pytest.fixture(scope="module")
def api_doc() -> str:
    return _read(DOCS / "api.md")


@pytest.fixture(scope="module")
def user_guide() -> str:
    return _read(DOCS / "user-guide.md")


# --- settings ------------------------------------------------------------------------------


def setting_env_names() -> list[str]:
    return sorted(f"CHENGXIN_{name.upper()}" for name in Settings.model_fields)


@pytest.mark.parametrize("env_name", setting_env_names())
def test_every_setting_is_documented(env_name: str, operations: str) -> None:
    assert re.search(rf"`{env_name}`", operations), (
        f"setting {env_name} is not documented in docs/operations.md (write it as `{env_name}`)"
    )


# --- CLI -----------------------------------------------------------------------------------


def _walk(command: Any, prefix: tuple[str, ...] = ()) -> Iterator[str]:
    """Leaf command paths. Duck-typed: recent Typer versions vendor their own Click."""
    subcommands = getattr(command, "commands", None)
    if subcommands:
        for name, sub in sorted(subcommands.items()):
            yield from _walk(sub, (*prefix, name))
    else:
        yield " ".join(prefix)


def cli_command_paths() -> list[str]:
    from chengxin.cli.main import app

    return sorted(_walk(typer.main.get_command(app)))


def test_cli_walk_finds_commands() -> None:
    paths = cli_command_paths()
    assert "subjects import" in paths and "audit verify" in paths, paths


@pytest.mark.parametrize("path", cli_command_paths())
def test_every_cli_command_is_documented(path: str, operations: str) -> None:
    assert f"chengxin {path}" in operations, f"CLI command `chengxin {path}` is not documented in docs/operations.md"


# --- API routes ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def documented_routes(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    from chengxin.app import api_routes, create_app

    tmp_path = tmp_path_factory.mktemp("docs-app")
    settings = Settings(  # type: ignore[call-arg]
        var_dir=tmp_path,
        database_url=f"sqlite:///{tmp_path}/x.db",
        pii_key=base64.b64encode(bytes(range(32))).decode(),
        _env_file=None,
    )
    app = create_app(settings)
    out: list[str] = []
    for route in api_routes(app.routes):
        if route.path.startswith("/api/") or route.path in ("/healthz", "/metrics"):
            out.extend(f"{method} {route.path}" for method in sorted(route.methods))
    return sorted(set(out))


def test_routes_found(documented_routes: list[str]) -> None:
    assert "POST /api/v1/subjects" in documented_routes
    assert "GET /healthz" in documented_routes


def test_every_api_route_is_documented(documented_routes: list[str], api_doc: str) -> None:
    missing = [r for r in documented_routes if r not in api_doc]
    assert not missing, f"API routes not documented in docs/api.md as 'METHOD /path': {missing}"


# --- permissions ---------------------------------------------------------------------------


@pytest.mark.parametrize("permission", [str(p) for p in Permission])
def test_every_permission_is_documented(permission: str, user_guide: str) -> None:
    assert f"`{permission}`" in user_guide, f"permission {permission} is not documented in docs/user-guide.md"


def test_permission_matrix_in_user_guide_matches_code(user_guide: str) -> None:
    """The role × permission table between the markers must equal ``MATRIX`` exactly."""
    assert MATRIX_START in user_guide and MATRIX_END in user_guide, "permission matrix markers missing"
    table = user_guide.split(MATRIX_START, 1)[1].split(MATRIX_END, 1)[0]
    lines = [ln.strip() for ln in table.strip().splitlines() if ln.strip().startswith("|")]
    header = [c.strip() for c in lines[0].strip("|").split("|")]
    roles = [re.sub(r"[`*]", "", c).split()[0] for c in header[1:]]
    assert roles == [str(r) for r in Role], f"matrix columns {roles} differ from roles {list(Role)}"
    seen: dict[str, frozenset[str]] = {}
    for line in lines[2:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        perm = re.sub(r"[`*]", "", cells[0]).split()[0]
        seen[perm] = frozenset(role for role, cell in zip(roles, cells[1:], strict=True) if "✓" in cell)
    expected = {str(p): frozenset(str(r) for r in Role if p in MATRIX[r]) for p in Permission}
    assert seen == expected, "docs/user-guide.md permission matrix differs from security/permissions.py"


# --- error codes ---------------------------------------------------------------------------


def identifier_error_codes() -> list[str]:
    """Every ``IdentifierError("code", …)`` raised in the subject identifier and rule modules."""
    codes: set[str] = set()
    for module in ("identifiers.py", "rules.py"):
        tree = ast.parse((SRC / "domains" / "subjects" / module).read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "IdentifierError"
                and node.args
                and isinstance(node.args[0], ast.Constant)
                and isinstance(node.args[0].value, str)
            ):
                codes.add(node.args[0].value)
    return sorted(codes)


def test_identifier_codes_found() -> None:
    assert "uscc_check_character" in identifier_error_codes()


@pytest.mark.parametrize("code", identifier_error_codes())
def test_every_identifier_error_code_is_documented(code: str, api_doc: str) -> None:
    assert f"`{code}`" in api_doc, f"identifier error code {code} is not documented in docs/api.md"


def domain_error_class_codes() -> list[str]:
    from chengxin import errors

    return sorted(
        {cls.code for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.DomainError)}
    )


@pytest.mark.parametrize("code", domain_error_class_codes())
def test_every_error_class_code_is_documented(code: str, api_doc: str) -> None:
    assert f"`{code}`" in api_doc, f"error code {code} is not documented in docs/api.md"


# --- README --------------------------------------------------------------------------------


def test_readme_starts_with_the_commands() -> None:
    readme = _read(ROOT / "README.md")
    assert "make demo" in readme and "make test" in readme
    assert readme.index("make demo") < readme.index("make test")


def test_changelog_has_unreleased_section() -> None:
    assert "## [Unreleased]" in _read(ROOT / "CHANGELOG.md")
