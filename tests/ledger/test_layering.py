"""The ledger is the lowest money layer: it imports only passnum.core, passnum.accounts and itself
(DESIGN.md). What ties it to orders, passes and redemptions lives above them."""

import ast
from pathlib import Path

import passnum.ledger

ALLOWED = ("passnum.core", "passnum.accounts", "passnum.ledger")


def imported_modules(path: Path, *, root: Path) -> list[tuple[int, str]]:
    """Every module a file of the package at `root` imports (in functions too), relative imports
    resolved; `from a import b` counts as `a` and `a.b` (b may be a module)."""
    package = ".".join(path.relative_to(root.parent.parent).with_suffix("").parts[:-1])
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:
                base = package.rsplit(".", node.level - 1)[0]
                module = f"{base}.{module}" if module else base
            found.append((node.lineno, module))
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return sorted(found)


def forbidden_imports(root: Path) -> list[str]:
    def allowed(module: str) -> bool:
        return any(module == name or module.startswith(f"{name}.") for name in ALLOWED)

    return [
        f"{path.relative_to(root.parent)}:{lineno}: {module}"
        for path in sorted(root.rglob("*.py"))
        for lineno, module in imported_modules(path, root=root)
        if module.startswith("passnum.") and not allowed(module)
    ]


def test_the_ledger_imports_only_core_accounts_and_itself():
    root = Path(passnum.ledger.__file__).parent
    assert len(list(root.rglob("*.py"))) > 5
    assert forbidden_imports(root) == []


def test_the_layering_check_sees_every_form_of_a_forbidden_import(tmp_path):
    root = tmp_path / "passnum" / "ledger"
    root.mkdir(parents=True)
    (root / "ok.py").write_text(
        "from passnum.core.money import apply_rate\nfrom . import models\nimport passnum.accounts\n"
    )
    (root / "bad.py").write_text(
        "def f():\n    from passnum.orders.models import Order\n"
        "from passnum import passes\nfrom ..redemptions import models\nimport passnum.corex\n"
    )
    assert forbidden_imports(root) == [
        "ledger/bad.py:2: passnum.orders.models",
        "ledger/bad.py:2: passnum.orders.models.Order",
        "ledger/bad.py:3: passnum.passes",
        "ledger/bad.py:4: passnum.redemptions",
        "ledger/bad.py:4: passnum.redemptions.models",
        "ledger/bad.py:5: passnum.corex",
    ]
