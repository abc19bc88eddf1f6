"""Benchmark 5: staggered difference-in-differences (Callaway–Sant'Anna) for one measure.

    python benchmarks/bench_did.py --size 2M --impl evalkit|direct [--households N]

Sample built out-of-core by DuckDB (:func:`evalkit.dataset.estimation_sample`; integer unit
codes, year, outcome, cohort = first year of the measure; only those columns are read).

* ``evalkit``: :func:`evalkit.effects.staggered_did` (csdid ATTgt underneath, doubly robust,
  never-treated controls, no covariates, analytic standard errors) and its ``simple`` aggregation;
* ``direct``: ``csdid.att_gt.ATTgt`` called directly on the same sample with the same options.

* ``differences``: ``differences.ATTgt`` (doubly robust, never-treated controls, analytic
  standard errors) and its ``simple`` aggregation, a peer library (issue 17).

Run with one BLAS thread for every implementation (``run.py`` sets ``OMP_NUM_THREADS=1`` etc.).

Outcome net_income_pc; measure: 产业奖补 (industry_award). ``--households N`` keeps the first N
households (the subsample used when the full panel does not fit, see the README).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SIZES, Phases, dataset_path  # noqa: E402

OUTCOME = "net_income_pc"
MEASURE = "industry_award"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, required=True)
    parser.add_argument("--impl", choices=["evalkit", "direct", "differences"], required=True)
    parser.add_argument("--households", type=int, default=None)
    args = parser.parse_args()
    phases = Phases()
    with phases("import"):
        from evalkit.effects import staggered_did
        from evalkit.io.dataset import estimation_sample
    with phases("load"):
        sample = estimation_sample(dataset_path(args.size), OUTCOME, MEASURE)
        if args.households:
            sample = sample[sample["unit"] <= args.households].reset_index(drop=True)
        # first treated in the first year: no pre-period (evalkit excludes and counts them)
        sample = sample[~sample["cohort"].between(1, int(sample["year"].min()))].reset_index(drop=True)
    extra = {"n_obs": len(sample), "n_households": int(sample["unit"].nunique())}
    if args.impl == "evalkit":
        with phases("compute"):
            result = staggered_did(
                sample, OUTCOME, unit="unit", time="year", cohort="cohort", control="never_treated", method="dr"
            )
            simple = result.aggregate("simple")
        extra.update(att=round(simple.att, 3), se=round(simple.se, 3), cells=len(result.att_gt))
    elif args.impl == "differences":
        import warnings

        from differences import ATTgt as DiffATTgt

        with phases("compute"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            work = sample.assign(cohort=sample["cohort"].where(sample["cohort"] > 0)).set_index(["unit", "year"])
            model = DiffATTgt(data=work, cohort_column="cohort")
            model.fit(formula=OUTCOME, est_method="dr", control_group="never_treated", progress_bar=False)
            simple = model.aggregate("simple")
        extra.update(att=round(float(simple.iloc[0, 0]), 3), se=round(float(simple.iloc[0, 1]), 3))
    else:
        import warnings

        from csdid.att_gt import ATTgt

        with phases("compute"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            work = sample.rename(columns={"unit": "id", "year": "t", "cohort": "g", OUTCOME: "y"})
            model = ATTgt(
                yname="y", tname="t", idname="id", gname="g", data=work, control_group="nevertreated", xformla="y ~ 1"
            )
            model.fit(est_method="dr", base_period="varying", bstrap=False)
            model.aggte(typec="simple", bstrap=False)
        extra["cells"] = len(model.results["att"])
    phases.emit(**extra)


if __name__ == "__main__":
    main()
