"""The gateway's modules import each other without a cycle.

Counted with every import: at module level, inside functions and under
``TYPE_CHECKING`` (where a circle can hide until the day it bites). Importing
``a.b.c`` also runs the packages ``a`` and ``a.b`` first, so each import counts as
importing those too (a circle through a package's ``__init__`` once made
``gateway.web.errors`` fail to import when nothing had loaded the pages before it).
"""

from __future__ import annotations

import grimp


def _packages_above(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:k]) for k in range(1, len(parts))]


def with_package_imports(graph: grimp.ImportGraph) -> grimp.ImportGraph:
    """Each import also imports the packages above the imported module (except the
    importer's own packages, which are already running when it is)."""
    pairs = [(module, imported) for module in graph.modules
             for imported in graph.find_modules_directly_imported_by(module)]
    for module, imported in pairs:
        for package in _packages_above(imported):
            if package != module and not module.startswith(package + "."):
                graph.add_import(importer=module, imported=package)
    return graph


def test_no_module_of_the_gateway_takes_part_in_an_import_cycle() -> None:
    graph = with_package_imports(grimp.build_graph("gateway", include_external_packages=False))
    cycles = sorted(
        {tuple(sorted((module, imported)))
         for module in graph.modules
         for imported in graph.find_modules_directly_imported_by(module)
         if graph.chain_exists(importer=imported, imported=module)}
    )
    assert cycles == [], "modules that import each other (directly or through others)"
