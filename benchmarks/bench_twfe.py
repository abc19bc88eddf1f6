"""Benchmark 4: two-way fixed effects (household and year effects), clustered by household.

    python benchmarks/bench_twfe.py --size 2M --impl evalkit|statsmodels [--households N]

The sample is built out-of-core by DuckDB (:func:`evalkit.dataset.estimation_sample`: integer
household code, year, the outcome, first year of the measure; only those columns are read), then

* ``evalkit``: :func:`evalkit.effects.twfe.twfe` (pyfixest ``feols`` with household and year
  fixed effects absorbed, CRV1 by household);
* ``statsmodels``: OLS with household and year dummies (``y ~ treated + C(unit) + C(year)``,
  cluster-robust by household) on the first ``--households`` households: the dense dummy
  matrix limits it to small samples; the same subsample is also fitted by evalkit and both
  coefficients are printed (they must agree).

Peers (issue 17), on the same sample: ``pyfixest`` (``pyfixest.feols("y ~ treated | unit + year",
vcov={"CRV1": "unit"})`` called directly) and ``linearmodels`` (``PanelOLS`` with entity and time
effects, ``cov_type="clustered"`` by entity).

Outcome net_income_pc; treatment: received 公益性岗位 (public_welfare_post) in that year or before.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import SIZES, Phases, dataset_path  # noqa: E402

OUTCOME = "net_income_pc"
MEASURE = "public_welfare_post"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", choices=SIZES, required=True)
    parser.add_argument("--impl", choices=["evalkit", "statsmodels", "pyfixest", "linearmodels"], required=True)
    parser.add_argument("--households", type=int, default=None, help="subsample: the first N households")
    args = parser.parse_args()
    phases = Phases()
    from evalkit.effects.twfe import twfe
    from evalkit.io.dataset import estimation_sample

    with phases("load"):
        sample = estimation_sample(dataset_path(args.size), OUTCOME, MEASURE)
        if args.households:
            sample = sample[sample["unit"] <= args.households].reset_index(drop=True)
    extra = {"n_obs": len(sample), "n_households": int(sample["unit"].nunique())}
    if args.impl == "evalkit":
        with phases("compute"):
            fit = twfe(sample, OUTCOME, unit="unit", time="year", treatment="treated")
        extra.update(coef=round(fit.att, 4), se=round(fit.se, 4))
    elif args.impl == "pyfixest":
        import pyfixest as pf

        with phases("compute"):
            fit = pf.feols(f"{OUTCOME} ~ treated | unit + year", data=sample, vcov={"CRV1": "unit"})
        extra.update(coef=round(float(fit.coef()["treated"]), 4), se=round(float(fit.se()["treated"]), 4))
    elif args.impl == "linearmodels":
        from linearmodels.panel import PanelOLS

        with phases("compute"):
            data = sample.set_index(["unit", "year"])
            model = PanelOLS(data[OUTCOME], data[["treated"]].astype(float), entity_effects=True, time_effects=True)
            fit = model.fit(cov_type="clustered", cluster_entity=True)
        extra.update(coef=round(float(fit.params["treated"]), 4), se=round(float(fit.std_errors["treated"]), 4))
    else:
        import statsmodels.formula.api as smf

        with phases("compute"):
            model = smf.ols(f"{OUTCOME} ~ treated + C(unit) + C(year)", data=sample)
            fit = model.fit(cov_type="cluster", cov_kwds={"groups": sample["unit"]})
        ref = twfe(sample, OUTCOME, unit="unit", time="year", treatment="treated")
        extra.update(
            coef=round(float(fit.params["treated"]), 4),
            se=round(float(fit.bse["treated"]), 4),
            evalkit_coef=round(ref.att, 4),
            evalkit_se=round(ref.se, 4),
        )
    phases.emit(**extra)


if __name__ == "__main__":
    main()
