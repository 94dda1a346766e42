"""Network optimisation: linopy + HiGHS against the same model in PuLP + CBC, same run.

For 1k, 5k and 20k candidate links (``sidestream.optimise.synth``: realistic link
tables — three categories, each supply linked to its 1–7 nearest demands) and the
net-benefit objective without a budget:

- ``highs``: ``sidestream.optimise.optimise`` as shipped — linopy model, components
  solved apart by HiGHS (``decompose=True``);
- ``highs-whole``: the same linopy model solved by HiGHS in one piece;
- ``cbc``: the same arcs and constraints written with PuLP, solved by CBC in one piece
  (``pulp.PULP_CBC_CMD(msg=False)`` with the same gap tolerance and time limit).

Printed per size: seconds (model build + solve), status, relative MIP gap reported by
the solver (for CBC: its objective against HiGHS's proven bound, an upper bound on its
true gap), and the ratios of the baselines' times to ``highs``. The machine is shared:
note the load average printed first; compare ratios, not absolute seconds.

A second family, ``--real N`` (default 8 000 flows; ``--real 0`` skips it): the
realistic pipeline, ``scale.synth.synthetic_flows(N, seed)`` → ``matching.match`` →
``evaluation.links.link_table`` (8 000 flows: 26 556 links, 98 blocks, the largest 13 710
columns), solved by the shipped path only (``highs``): seconds, status, the gap of the
sum, and how the time was shared between blocks (blocks never started, blocks left at
their budget, second runs). Its gap must be finite whenever every block has an
incumbent: a block left in the queue would make it unknown.

Run: ``make bench`` (or ``python benchmarks/bench_optimise.py --sizes 1000 5000``).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np
import pulp

from sidestream.optimise import OptimiseParams, optimise
from sidestream.optimise.network import Arcs, prepare
from sidestream.optimise.synth import synthetic_links

RESULTS = Path(__file__).parent / "results"


def run_highs(links: Any, decompose: bool, time_limit: float, gap: float) -> dict[str, Any]:
    params = OptimiseParams(decompose=decompose, time_limit_s=time_limit, mip_rel_gap=gap)
    started, cpu = time.perf_counter(), time.process_time()
    result = optimise(links, params)
    seconds = time.perf_counter() - started
    return {
        "seconds": round(seconds, 3),
        "cpu_s": round(time.process_time() - cpu, 3),  # all threads of this process
        "build_s": round(result.build_time_s, 3),
        "solve_s": round(result.solve_time_s, 3),
        "status": result.termination,
        "gap": result.mip_gap,
        "objective": result.objective_value,
        "dual_bound": result.objective_value + result.mip_gap * abs(result.objective_value),  # inf: unknown
        "chosen": len(result.chosen),
        "arcs": result.n_arcs,
        "blocks": result.extra.get("n_blocks"),
        "largest_block_columns": result.extra.get("largest_block_columns"),
        "largest_block_s": round(float(result.extra.get("largest_block_s", 0.0)), 3),
        "largest_block_gap": result.extra.get("largest_block_gap"),
        "blocks_unstarted": result.extra.get("blocks_unstarted"),
        "blocks_open": result.extra.get("blocks_open"),
        "block_reruns": result.extra.get("block_reruns"),
    }


def real_links(flows: int, seed: int) -> Any:
    """The link table of the realistic pipeline (flows → match → link_table)."""
    from sidestream.evaluation.links import link_table
    from sidestream.matching.engine import match
    from sidestream.scale.synth import synthetic_flows

    return link_table(match(synthetic_flows(flows, seed=seed)))


def run_real(flows: int, seed: int, time_limit: float, gap: float) -> dict[str, Any]:
    started = time.perf_counter()
    links = real_links(flows, seed)
    prepared = time.perf_counter() - started
    highs = run_highs(links, True, time_limit, gap)
    load = os.getloadavg()
    print(
        f"  real {len(links)} links from synthetic_flows({flows}) via match + link_table "
        f"(pipeline {prepared:.1f} s; {highs['arcs']} arcs, {highs['blocks']} blocks, largest "
        f"{highs['largest_block_columns']} columns): HiGHS {highs['seconds']:.2f} s, CPU "
        f"{highs['cpu_s']:.2f} s [{highs['status']}, gap {highs['gap']:.1e}, {highs['chosen']} chosen; "
        f"blocks unstarted {highs['blocks_unstarted']}, left at their budget {highs['blocks_open']}, "
        f"second runs {highs['block_reruns']}] (load {load[0]:.2f})",
        flush=True,
    )
    return {"flows": flows, "links": len(links), "pipeline_s": round(prepared, 3), "highs": highs}


def pulp_model(arcs: Arcs) -> tuple[pulp.LpProblem, list[Any], list[Any]]:
    """The arcs of :func:`sidestream.optimise.network.prepare` as the same MILP in PuLP
    (switch, supply and demand capacity rows — only those that can bind, as in linopy)."""
    f = arcs.frame
    problem = pulp.LpProblem("network", pulp.LpMaximize)
    bound = f["bound"].to_numpy(float)
    x = [pulp.LpVariable(f"x{i}", lowBound=0, upBound=float(b)) for i, b in enumerate(bound)]
    y = [pulp.LpVariable(f"y{i}", cat="Binary") for i in range(len(f))]
    c, b = arcs.per_unit(), arcs.per_build()
    problem += pulp.lpSum(float(c[i]) * x[i] + float(b[i]) * y[i] for i in range(len(f)))
    for i in range(len(f)):
        problem += x[i] - float(bound[i]) * y[i] <= 0
    for side, cap in (("supply", "supply_cap"), ("demand", "demand_cap")):
        codes, caps = f[side].to_numpy(), f[cap].to_numpy(float)
        share = np.divide(1.0, caps, out=np.zeros_like(caps), where=caps > 0)
        total = np.bincount(codes, weights=bound * share)
        for code in np.flatnonzero(total > 1.0 + 1e-9):
            members = np.flatnonzero(codes == code)
            problem += pulp.lpSum(float(share[i]) * x[i] for i in members) <= 1.0
    return problem, x, y


def run_cbc(links: Any, time_limit: float, gap: float, highs_bound: float) -> dict[str, Any]:
    started, cpu = time.perf_counter(), time.process_time()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    arcs = prepare(links, OptimiseParams())
    problem, _x, _y = pulp_model(arcs)
    built = time.perf_counter()
    problem.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=time_limit, gapRel=gap))
    done = time.perf_counter()
    objective = float(pulp.value(problem.objective) or 0.0)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cbc_cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    return {
        "seconds": round(done - started, 3),
        "cpu_s": round(time.process_time() - cpu + cbc_cpu, 3),  # this process and the cbc binary
        "build_s": round(built - started, 3),
        "solve_s": round(done - built, 3),
        # PuLP says "Optimal" also when CBC stops at the time limit with a solution;
        # its solution status tells the two apart.
        "status": pulp.LpStatus[problem.status] + "/" + pulp.LpSolution[problem.sol_status],
        "gap": max(highs_bound - objective, 0.0) / max(abs(objective), 1e-9),
        "objective": objective,
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000, 20000])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--time-limit", type=float, default=60.0, help="per solver run, seconds")
    parser.add_argument("--gap", type=float, default=1e-4, help="relative MIP gap tolerance")
    parser.add_argument("--skip-whole", action="store_true", help="skip HiGHS on the undivided model")
    parser.add_argument(
        "--real", type=int, default=8000, metavar="FLOWS",
        help="also the realistic pipeline from synthetic_flows(FLOWS) (0: skip)",
    )  # fmt: skip
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on {os.cpu_count()} cores")
    optimise(synthetic_links(40, seed=0)[0])  # import and warm linopy/HiGHS outside the timings
    rows = []
    for n in args.sizes:
        links, _positions = synthetic_links(n, seed=args.seed)
        highs = run_highs(links, True, args.time_limit, args.gap)
        whole = None if args.skip_whole else run_highs(links, False, args.time_limit, args.gap)
        cbc = run_cbc(links, args.time_limit, args.gap, highs["dual_bound"])
        row = {"links": n, "highs": highs, "highs_whole": whole, "cbc": cbc}
        rows.append(row)
        line = (
            f"{n:>6} links ({highs['arcs']} arcs after presolve): "
            f"HiGHS {highs['seconds']:.2f} s, CPU {highs['cpu_s']:.2f} s "
            f"(build {highs['build_s']:.2f}, solve {highs['solve_s']:.2f}; "
            f"largest block {highs['largest_block_columns']} columns {highs['largest_block_s']:.2f} s) "
            f"[{highs['status']}, gap {highs['gap']:.1e}, {highs['chosen']} chosen]"
        )
        if whole is not None:
            line += (
                f" | HiGHS whole {whole['seconds']:.2f} s, CPU {whole['cpu_s']:.2f} s [{whole['status']}, gap {whole['gap']:.1e}]"
                f" ×{whole['seconds'] / highs['seconds']:.1f}"
            )
        line += (
            f" | CBC {cbc['seconds']:.2f} s, CPU {cbc['cpu_s']:.2f} s [{cbc['status']}, gap ≤ {cbc['gap']:.1e}]"
            f" ×{cbc['seconds'] / highs['seconds']:.1f}"
        )
        print(line, flush=True)
    real = run_real(args.real, args.seed, args.time_limit, args.gap) if args.real else None
    load = os.getloadavg()
    print(f"load average afterwards {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}")
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "optimise.json").write_text(json.dumps({"load": load, "rows": rows, "real": real}, indent=2))


if __name__ == "__main__":
    main()
