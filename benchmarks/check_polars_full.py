"""Check that the ``polars-full`` peer of ``bench_indicators.py`` computes evalkit's numbers
(so the pair compares the same work): levels, transfer details, shares, below-line counts and
growth to 1e-9 (relative), and the quintile group of every household equal.

    python benchmarks/check_polars_full.py --size 200k
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_indicators import BY, LINE, run_polars_full  # noqa: E402
from common import SIZES, dataset_path  # noqa: E402

from evalkit.indicators.duckdb_backend import indicator_tables  # noqa: E402


def close(a, b, what: str) -> None:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    if a.shape != b.shape or not np.allclose(a, b, rtol=1e-9, atol=1e-9, equal_nan=True):
        raise AssertionError(f"{what}: differs (max abs {np.nanmax(np.abs(a - b)) if a.shape == b.shape else a.shape})")


def check(path: Path) -> str:
    """Compare the two on the dataset ``path``; raise on a difference, else say what was compared."""
    ours = indicator_tables(path, by=BY, line=LINE)
    theirs = {k: v.to_pandas() for k, v in run_polars_full(path).items()}
    ind, lev = ours["income_indicators"], theirs["levels"]
    assert list(ind["county"]) == list(lev["county"]) and list(ind["year"]) == list(lev["year"])
    for c in [c for c in lev.columns if c not in ("county", "year")]:
        close(ind[c], lev[c], f"levels {c}")
    below = ours["below_threshold"]
    for c in [c for c in theirs["below"].columns if c not in ("county", "year")]:
        close(below[c], theirs["below"][c], f"below {c}")
    growth = ours["growth_contributions"]
    growth = growth[growth["status"] == "ok"].reset_index(drop=True)
    for c in [c for c in theirs["growth"].columns if c not in ("county", "year")]:
        close(growth[c], theirs["growth"][c], f"growth {c}")
    q = ours["quintile_groups"]
    pq = theirs["quintiles"].set_index("household_id")["quintile"]
    assert len(q) == len(pq) and q.index.is_unique, "quintile households differ"
    same = (q.sort_index().to_numpy() == pq.sort_index().to_numpy()).all()
    assert same and (q.sort_index().index == pq.sort_index().index).all(), "quintile groups differ"
    return f"polars-full equals evalkit: {len(ind)} groups, {len(q)} households' quintiles"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, default="200k")
    print(check(dataset_path(parser.parse_args().size)))


if __name__ == "__main__":
    main()
