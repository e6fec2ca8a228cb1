"""The apps' layering (the brief): `sms` below `phones` and `smstest`, which never import
each other; `api` on top, imported by no app (only the URLs mount it). Read from the
source, so a lazy import inside a function counts too."""

import ast
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[1]
FORBIDDEN = {
    "sms": {"phones", "smstest", "dashboard", "api"},
    "phones": {"smstest", "dashboard", "api"},
    "smstest": {"phones", "dashboard", "api"},
    "dashboard": {"api"},
    "insights": {"api"},
}


def imported_apps(app):
    """(file, imported top-level package) for every import in the app's Python files."""
    for path in (PROJECT / app).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                yield path.relative_to(PROJECT), name.split(".")[0]


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_an_app_imports_no_app_above_it_or_beside_it(app):
    wrong = [
        f"{path} imports {name}" for path, name in imported_apps(app) if name in FORBIDDEN[app]
    ]
    assert wrong == []


def test_the_layer_check_sees_imports():
    # Guards the test above against passing because it reads nothing.
    assert any(name == "sms" for _, name in imported_apps("phones"))
    assert any(name == "sms" for _, name in imported_apps("smstest"))
    assert any(name == "phones" for _, name in imported_apps("api"))
