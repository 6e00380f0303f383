"""The gateway's modules import each other without a cycle.

Counted with every import: at module level, inside functions and under
``TYPE_CHECKING`` (where a circle can hide until the day it bites).
"""

from __future__ import annotations

import grimp


def test_no_module_of_the_gateway_takes_part_in_an_import_cycle() -> None:
    graph = grimp.build_graph("gateway", include_external_packages=False)
    cycles = sorted(
        {tuple(sorted((module, imported)))
         for module in graph.modules
         for imported in graph.find_modules_directly_imported_by(module)
         if graph.chain_exists(importer=imported, imported=module)}
    )
    assert cycles == [], "modules that import each other (directly or through others)"
