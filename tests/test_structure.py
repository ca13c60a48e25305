"""The code's shape: the folders are the pipeline, read in order, and no module needs itself back.

Every import is counted, the lazy ones inside functions too, since each is a dependency a reader
has to follow."""
from __future__ import annotations

import ast
from pathlib import Path

import bdl_demo

PACKAGE = Path(bdl_demo.__file__).parent
# The folders in the order of the talk's data flow; the modules beside them (errors, files,
# numbers, palette, stages) come first, the command line and the pipeline that joins them last.
ORDER = ["", "model", "settings", "figures", "results", "deck", "export", "output", "pipeline", "cli", "__main__"]


def modules() -> dict[str, Path]:
    """Every module of the package by its dotted name."""
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def imports(path: Path, known: set[str]) -> set[str]:
    """The project's modules a module imports, anywhere in it."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("bdl_demo"):
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                found.add(name if name in known else node.module)
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("bdl_demo")}
    return found & known


def graph() -> dict[str, set[str]]:
    known = modules()
    return {name: imports(path, set(known)) - {name} for name, path in known.items()}


def place(module: str) -> int:
    """Where a module stands in ORDER: by its folder, or as a module beside them."""
    parts = module.split(".")
    if len(parts) == 1:  # the package itself
        return 0
    return ORDER.index(parts[1]) if parts[1] in ORDER else 0


def test_no_module_imports_itself_back():
    edges = graph()
    cycles, stack, state = [], [], {}

    def visit(module):
        state[module] = "open"
        stack.append(module)
        for other in sorted(edges[module]):
            if state.get(other) == "open":
                cycles.append(stack[stack.index(other):] + [other])
            elif other not in state:
                visit(other)
        stack.pop()
        state[module] = "done"

    for module in sorted(edges):
        if module not in state:
            visit(module)
    assert cycles == []


def test_nothing_imports_a_folder_after_its_own():
    backwards = [(module, other) for module, others in graph().items() for other in others
                 if place(other) > place(module)]
    assert backwards == []


def test_every_module_sits_in_a_folder_of_the_pipeline_or_beside_them():
    for module in modules():
        parts = module.split(".")
        assert len(parts) <= 3 and (len(parts) < 3 or parts[1] in ORDER), module
