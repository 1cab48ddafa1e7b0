#!/usr/bin/env python3
"""OR-Tools CP-SAT as the peer of `postflow bench rcpsp`.

Reads the instances as JSON (the file named on the command line, written by the bench):
  {"time_limit_s": F, "workers": N,
   "instances": [{"name": S, "durations": [..], "demands": [[..], ..], "capacities": [..],
                  "successors": [[..], ..]}]}
(successors are 0-based job indices, finish-to-start without lag; an optional "releases": [..]
gives each job's earliest start) and prints one JSON object:
  {"results": [{"name": S, "makespan": N|null, "optimal": bool, "seconds": F}]}
Each instance gets the same time limit and a single search worker.
"""
import json
import sys
import time

from ortools.sat.python import cp_model


def solve(inst, time_limit_s, workers):
    durations = inst["durations"]
    n = len(durations)
    horizon = sum(durations) + max(inst.get("releases") or [0])
    model = cp_model.CpModel()
    starts, ends, intervals = [], [], []
    for i, d in enumerate(durations):
        s = model.NewIntVar(0, horizon, f"s{i}")
        e = model.NewIntVar(0, horizon, f"e{i}")
        intervals.append(model.NewIntervalVar(s, d, e, f"x{i}"))
        starts.append(s)
        ends.append(e)
    for i, r in enumerate(inst.get("releases") or []):
        if r:
            model.Add(starts[i] >= r)
    for i, succs in enumerate(inst["successors"]):
        for j in succs:
            model.Add(starts[j] >= ends[i])
    for r, cap in enumerate(inst["capacities"]):
        used = [(intervals[i], inst["demands"][i][r]) for i in range(n)
                if inst["demands"][i][r] > 0 and durations[i] > 0]
        if used:
            model.AddCumulative([u[0] for u in used], [u[1] for u in used], cap)
    makespan = model.NewIntVar(0, horizon, "makespan")
    model.AddMaxEquality(makespan, ends)
    model.Minimize(makespan)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_search_workers = workers
    t0 = time.perf_counter()
    status = solver.Solve(model)
    seconds = time.perf_counter() - t0
    found = status in (cp_model.OPTIMAL, cp_model.FEASIBLE)
    return {
        "name": inst["name"],
        "makespan": int(solver.Value(makespan)) if found else None,
        "optimal": status == cp_model.OPTIMAL,
        "seconds": seconds,
    }


def main():
    if len(sys.argv) != 2:
        print("usage: rcpsp_ortools.py INSTANCES.json", file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    results = [solve(i, spec["time_limit_s"], spec.get("workers", 1)) for i in spec["instances"]]
    json.dump({"results": results}, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
