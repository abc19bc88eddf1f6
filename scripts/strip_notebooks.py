"""Strip volatile output from notebooks (the pre-commit hook; nbstripout's rules plus one exception).

nbstripout keeps the output of a cell with ``keep_output`` metadata but always clears its execution
count, and nbval skips (fails with "Unrun reference cell has outputs") a reference cell whose count
is None. So this hook runs nbstripout's own :func:`nbstripout.strip_output` (keeping cell ids, so
diffs stay small) and then gives every ``# NBVAL_CHECK_OUTPUT`` cell with kept output the count 1.
tests/test_notebooks_clean.py checks the result.

Usage: ``python scripts/strip_notebooks.py [--check] NOTEBOOK...`` (``--check``: change nothing,
exit 1 if a notebook would change).
"""

import re
import sys
from pathlib import Path

import nbformat
from nbstripout import strip_output

MARKER = re.compile(r"^\s*#\s*NBVAL_CHECK_OUTPUT\b", re.MULTILINE)
EXTRA_KEYS = [
    "metadata.signature",
    "metadata.widgets",
    "metadata.papermill",
    "cell.metadata.collapsed",
    "cell.metadata.ExecuteTime",
    "cell.metadata.execution",
    "cell.metadata.heading_collapsed",
    "cell.metadata.hidden",
    "cell.metadata.scrolled",
    "cell.metadata.papermill",
]


def strip(text: str) -> str:
    """The stripped notebook (JSON text) of notebook JSON ``text``."""
    nb = nbformat.reads(text, as_version=4)
    nb = strip_output(nb, keep_output=False, keep_count=False, keep_id=True, extra_keys=EXTRA_KEYS)
    for cell in nb.cells:
        if cell.cell_type == "code" and MARKER.search(cell.source) and cell.get("outputs"):
            cell.execution_count = 1
    return nbformat.writes(nb) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    changed = []
    for name in (a for a in argv if a != "--check"):
        path = Path(name)
        text = path.read_text(encoding="utf-8")
        stripped = strip(text)
        if stripped != text:
            changed.append(name)
            if not check:
                path.write_text(stripped, encoding="utf-8")
    for name in changed:
        print(f"{'would strip' if check else 'stripped'} {name}")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
