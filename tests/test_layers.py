"""The layer rule holds: no module of otcheck imports a module of a higher layer.

Every ``import`` and ``from ... import`` of every module is read (function-level ones included,
since a lazy import is still a dependency). The layers are those of ``docs/design.rst``.
"""

import ast
from pathlib import Path

import pytest

import otcheck

ROOT = Path(otcheck.__file__).resolve().parent

#: module (or package) -> layer; the longest matching prefix decides.
LAYERS = {
    "otcheck._optional": 0,
    "otcheck._docs": 0,
    "otcheck.bounds": 0,
    "otcheck._dyadic": 0,
    "otcheck._validation": 0,
    "otcheck.measures": 1,
    "otcheck.costs": 1,
    "otcheck.exact": 2,
    "otcheck.divergences": 3,
    "otcheck.closed_forms": 3,
    "otcheck.gaussian": 3,
    "otcheck.relaxed": 3,
    "otcheck.autoencoders": 3,
    "otcheck.models": 4,
    "otcheck.claims": 5,
    "otcheck": 6,
    "otcheck.cli": 6,
    "otcheck._cli_common": 6,  # the command line of otcheck.cli, by concept (its public names re-exported there)
    "otcheck._cli_import": 6,
    "otcheck._cli_format": 6,
    "otcheck._cli_verify": 6,
    "otcheck._cli_falsify": 6,
    "otcheck._cli_diff": 6,
    "otcheck.figures": 6,
    "otcheck.strategies": 6,
    "otcheck._strategies_ot": 6,  # the strategies of otcheck.strategies, by subject (re-exported there)
    "otcheck._strategies_decoders": 6,
    "otcheck.__main__": 6,
    "otcheck.witnesses": 6,  # a deprecated alias that re-exports from layers 2, 3 and 5
}


def layer(module):
    hits = [k for k in LAYERS if module == k or module.startswith(k + ".")]
    return LAYERS[max(hits, key=len)] if hits else None


def _modules():
    for f in sorted(ROOT.rglob("*.py")):
        parts = list(f.relative_to(ROOT.parent).with_suffix("").parts)
        is_pkg = parts[-1] == "__init__"
        if is_pkg:
            parts = parts[:-1]
        name = ".".join(parts)
        yield name, (name if is_pkg else name.rsplit(".", 1)[0]), f


def imports(path, package):
    """Absolute names of the otcheck modules (or attributes) ``path`` imports, with line numbers."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
                names = [target] if node.module else [f"{target}.{a.name}" for a in node.names]
            else:
                names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        out += [(n, node.lineno) for n in names if n.startswith("otcheck")]
    return out


MODULES = list(_modules())


def test_every_module_has_a_layer():
    assert [name for name, _, _ in MODULES if layer(name) is None] == []


@pytest.mark.parametrize("name, package, path", MODULES, ids=[m[0] for m in MODULES])
def test_no_upward_import(name, package, path):
    mine = layer(name)
    bad = [
        f"{target} (layer {layer(target)}) at line {line}"
        for target, line in imports(path, package)
        if layer(target) is not None and layer(target) > mine
    ]
    assert not bad, f"{name} (layer {mine}) imports upward: {bad}"


def test_the_rule_is_checked_on_a_deliberate_violation(tmp_path):
    """The checker itself finds an upward import (a function-level one, relative)."""
    bad = tmp_path / "bad.py"
    bad.write_text("def f():\n    from ..claims import registry\n    return registry\n")
    found = imports(bad, "otcheck.exact")
    assert found == [("otcheck.claims", 2)] and layer(found[0][0]) > layer("otcheck.exact")
