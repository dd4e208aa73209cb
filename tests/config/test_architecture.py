"""The house keeps its shape: no import cycle anywhere in the product, no module a screen cannot hold.

import-linter (``lint-imports``, run by ``make test``) keeps the layers; this test also catches a
cycle that crosses the three packages (``reship`` ↔ ``orders`` ↔ ``suppliers``), which its
per-package contracts cannot see, and names the modules of any cycle it finds.
"""

from __future__ import annotations

from pathlib import Path

import grimp

REPO_ROOT = Path(__file__).resolve().parents[2]
PRODUCT = ("reship", "orders", "suppliers")
MAX_LINES = 650  # "about 600": split a module into a package when one screen no longer shows it


def _graph() -> grimp.ImportGraph:
    return grimp.build_graph(*PRODUCT, include_external_packages=False, exclude_type_checking_imports=True)


def import_cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan), imports inside functions included."""
    modules = sorted(module for module in graph.modules if ".migrations" not in module)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if ".migrations" in imported:
                continue
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for module in modules:
        if module not in index:
            visit(module)
    return cycles


def test_no_product_module_is_part_of_an_import_cycle():
    assert import_cycles(_graph()) == []


def test_the_cycle_check_finds_a_cycle_when_there_is_one():
    graph = grimp.ImportGraph()
    for module in ("shop", "shop.a", "shop.b", "shop.c"):
        graph.add_module(module)
    graph.add_import(importer="shop.a", imported="shop.b")
    graph.add_import(importer="shop.b", imported="shop.c")
    graph.add_import(importer="shop.c", imported="shop.a")

    assert import_cycles(graph) == [["shop.a", "shop.b", "shop.c"]]


def test_no_product_module_is_longer_than_a_screen_can_follow():
    long_modules = {
        str(path.relative_to(REPO_ROOT)): lines
        for package in PRODUCT
        for path in (REPO_ROOT / package).rglob("*.py")
        if "migrations" not in path.parts and (lines := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long_modules == {}
