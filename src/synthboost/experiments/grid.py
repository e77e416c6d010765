"""The one resumable grid runner of every boosting experiment (tables, images, series).

A *task* supplies what differs by family: how a seed splits the data, how a training
subsample is drawn, what each augmenter does, how models are fitted and scored, which
metrics there are and which way is better, and what the report shows of one generator.
The runner does the rest, the same for every family: the grid of seeds x sizes x
augmenters x models, one results file appended with fsync after every finished job (a
line cut off by an interruption is dropped on the next read), resume and extension of an
earlier run of the same configuration, retry of failed cells, per-cell error capture,
joblib locally and Dask on a cluster. Each call that runs jobs appends the machine it ran on to
``machines.jsonl``: one seed's result moves between CPUs whose kernels round differently, so a run
says where its cells were computed, and a resume on another machine warns.

A *job* is one (seed, size) and a group of augmenters the task runs together because they
share one fitted generator (images: ``cgan``, ``cgan+classic`` and ``synthetic-only`` use
one conditional GAN); for tables every augmenter is its own job.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import time
import warnings
from dataclasses import asdict
from pathlib import Path
from typing import Any, Protocol, Sequence

import numpy as np
import pandas as pd

from ..errors import OutputError, ParameterError
from ..io import read_jsonl, write_json, write_table

#: a result row is identified by these (with the dataset)
CELL_KEY = ["seed", "size", "augmenter", "model"]


class Task(Protocol):
    """What a family plugs into the runner."""

    cfg: Any  # a dataclass with sizes, seeds, augmenters, models (and the task's settings), saved as config.json
    identity: tuple[str, ...]  # config fields that must match for results to be resumed / extended
    columns: list[str]  # the results file's columns, "complete" last
    lower_is_better: frozenset[str]  # metric columns where smaller is better (saved in config.json for the report)

    def jobs(self, augmenters: Sequence[str]) -> list[list[str]]:
        """Groups of augmenters run together (sharing one fitted generator)."""

    def run_job(self, seed: int, size: int, todo: dict[str, list[str]], showcase: Sequence[str]) -> dict:
        """{"rows": [result rows], "showcase": {augmenter: payload}, "extra": {file name: [json lines]}};
        ``showcase`` names the augmenters whose generator's showcase this job makes."""

    def write_showcase(self, directory: Path, payload: Any) -> None:
        """Write one generator's showcase (what the report shows of it), ``meta.json`` last: a
        showcase folder without it counts as unfinished and is made again."""

    def has_showcase(self, augmenter: str) -> bool:
        """Whether the augmenter learns a generator the report shows."""


def whole_numbers(values: Sequence[Any], what: str) -> list[int]:
    """Distinct non-negative integers (ints, integral floats or digit strings); anything else is a ParameterError."""
    out = []
    for v in values:
        ok = not isinstance(v, bool) and (
            isinstance(v, (int, np.integer)) or (isinstance(v, float) and v.is_integer())
            or (isinstance(v, str) and v.strip().isdigit()))
        if not ok or int(v) < 0:
            raise ParameterError(f"{what} must be non-negative whole numbers; got {v!r}")
        out.append(int(v))
    if len(set(out)) < len(out):
        raise ParameterError(f"{what} {list(values)} name a value twice; each cell would run twice")
    return out


def check_n_jobs(n_jobs: Any) -> None:
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)) or n_jobs == 0:
        raise ParameterError(f"n_jobs={n_jobs!r} must be a non-zero integer (1 = serial, -1 = one job per core)")


# -- the results file ---------------------------------------------------------------------
def latest_attempts(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (seed, size, augmenter, model): the last written, so a retried cell replaces its error."""
    return df.drop_duplicates(CELL_KEY, keep="last").reset_index(drop=True)


def read_results(path: Path, columns: Sequence[str]) -> pd.DataFrame:
    """Finished rows of a results file; a line cut short by an interruption is ignored, and a cell
    that was retried after failing is read as its latest attempt."""
    if not path.exists():
        return pd.DataFrame(columns=list(columns)[:-1])
    df = pd.read_csv(path, on_bad_lines="skip", dtype={"error": str, "augmenter": str, "model": str})
    if "complete" not in df.columns:
        raise OutputError(f"{path} is not a synthboost results file (no 'complete' column); use another output directory")
    df = latest_attempts(df[df["complete"] == 1].drop(columns="complete"))
    df["error"] = df["error"].fillna("")
    return df.astype({"seed": int, "size": int, "n_real": int})


def append_rows(path: Path, rows: list[dict], columns: Sequence[str]) -> None:
    frame = pd.DataFrame([dict(r, complete=1) for r in rows]).reindex(columns=list(columns))
    text = frame.to_csv(index=False, header=not path.exists())
    append_text(path, text)


def append_text(path: Path, text: str) -> None:
    with open(path, "a", encoding="utf-8") as fh:  # one write per job, then flushed to disk
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def machine() -> dict[str, str]:
    """The machine a job runs on, as far as its numbers depend on it (CPU model, torch's kernel set)."""
    import torch

    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            cpu = next((ln.split(":", 1)[1].strip() for ln in fh if ln.startswith("model name")), "")
    except OSError:
        pass
    return {"cpu": cpu or platform.processor() or platform.machine(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(), "torch": torch.__version__,
            "python": platform.python_version()}


def note_machine(out: Path, jobs: int, scheduler: bool) -> None:
    """Append this call's machine to ``out/machines.jsonl``; warn when earlier cells ran on another one.
    With a Dask scheduler the jobs run on its workers: the line then describes the submitting machine."""
    here = machine()
    path = out / "machines.jsonl"
    other = [m for m in read_jsonl(path) if isinstance(m, dict) and {k: m.get(k) for k in here} != here]
    if other:
        o = other[-1]
        warnings.warn(f"{out}: earlier cells of this run were computed on another machine ({o.get('cpu')}, "
                      f"{o.get('cpu_capability')}, torch {o.get('torch')}; now {here['cpu']}, {here['cpu_capability']}, "
                      f"torch {here['torch']}). One seed's result can differ between CPUs; paired tests stay valid, "
                      "but per-seed values of the two machines are not comparable", stacklevel=3)
    line = dict(here, started=time.strftime("%Y-%m-%dT%H:%M:%S%z"), jobs=jobs, scheduler="dask" if scheduler else "local")
    cut = path.is_file() and path.stat().st_size > 0 and not path.read_bytes().endswith(b"\n")
    append_text(path, ("\n" if cut else "") + json.dumps(line) + "\n")  # a cut line stays on its own


def _same_setting(a: Any, b: Any) -> bool:
    """Equal as read back from JSON: numbers by value (ratio 1 == 1.0), the rest as text."""
    numbers = (int, float, np.number)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b)
    if isinstance(a, (dict, list, tuple)) or isinstance(b, (dict, list, tuple)):
        def canon(v: Any) -> str:  # tuples become lists, keys sorted: as JSON stores them
            return json.dumps(json.loads(json.dumps(v, default=str)), sort_keys=True)

        return canon(a) == canon(b)
    return str(a) == str(b)


AXES = ("sizes", "seeds", "augmenters", "models")


def prepare_output(out: Path, task: Task, overwrite: bool) -> pd.DataFrame:
    """Check an existing run is the same configuration (merging its grid into the task's); return its finished rows."""
    cfg = task.cfg
    config_path, results_path = out / "config.json", out / "results.csv"
    if overwrite:
        for p in out.glob("*.jsonl"):
            p.unlink()
        for p in (config_path, results_path):
            p.unlink(missing_ok=True)
        shutil.rmtree(out / "showcase", ignore_errors=True)  # else the report would show the old run's generator
    if results_path.exists() and not config_path.exists():
        raise OutputError(f"{results_path} exists without config.json; use another output directory or --overwrite")
    if config_path.exists():
        try:
            old = json.loads(config_path.read_text())
        except (OSError, json.JSONDecodeError) as e:
            raise OutputError(f"{config_path} is unreadable ({e}); use another output directory or --overwrite") from None
        if not isinstance(old, dict) or not all(isinstance(old.get(k, []), list) for k in AXES):
            raise OutputError(f"{config_path} is not a boosting configuration (edited by hand?); "
                              "use another output directory or --overwrite")
        new = asdict(cfg)
        diff = [k for k in task.identity if not _same_setting(old.get(k), new.get(k))]
        if diff:
            detail = ", ".join(f"{k}: {old.get(k)!r} there vs {new.get(k)!r} now" for k in diff)
            raise OutputError(
                f"{out} holds results of a different configuration ({detail}); "
                "use another output directory or --overwrite to discard them"
            )
        for k in AXES:  # a re-run may extend the grid
            merged = list(dict.fromkeys(list(old.get(k, [])) + list(getattr(cfg, k))))
            setattr(cfg, k, sorted(merged) if k in ("sizes", "seeds") else merged)
    done = read_results(results_path, task.columns)
    if results_path.exists() and not results_path.read_bytes().endswith(b"\n"):
        write_table(done.assign(complete=1).reindex(columns=task.columns), results_path)  # drop a half-written line
    return done


def run_grid(task: Task, output: str | os.PathLike, *, n_jobs: int = 1, scheduler: Any = None, overwrite: bool = False,
             progress: bool = True) -> pd.DataFrame:
    """Run (or resume) the task's grid into ``output``; returns all finished results."""
    check_n_jobs(n_jobs)
    client, own = connect(scheduler) if scheduler is not None else (None, False)  # before any file is touched
    try:
        return _run(task, Path(output), overwrite, n_jobs, client, progress)
    finally:
        if own:
            client.close()


def _run(task: Task, out: Path, overwrite: bool, n_jobs: int, client, progress: bool) -> pd.DataFrame:
    cfg = task.cfg
    requested = (list(cfg.sizes), list(cfg.seeds), list(cfg.augmenters), list(cfg.models))
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise OutputError(f"cannot create output directory {out}: {e.strerror}") from None
    done = prepare_output(out, task, overwrite)
    write_json(out / "config.json", dict(asdict(cfg), lower_is_better=sorted(task.lower_is_better)))
    ok = done[done["error"] == ""]  # a failed cell is not finished: running the command again retries it
    finished = set(map(tuple, ok[CELL_KEY].to_numpy().tolist()))
    sizes_r, seeds_r, augs_r, models_r = requested
    jobs = []
    for seed in seeds_r:
        for size in sizes_r:
            for group in task.jobs(augs_r):
                todo = {a: [m for m in models_r if (seed, size, a, m) not in finished] for a in group}
                todo = {a: ms for a, ms in todo.items() if ms}
                if todo:
                    show = seed == seeds_r[0] and size == sizes_r[-1]
                    show = [a for a in todo if show and not (out / "showcase" / a / "meta.json").exists()]
                    jobs.append((seed, size, todo, show))
    if jobs:
        note_machine(out, len(jobs), client is not None)
        _execute(task, jobs, out, n_jobs, client, progress)
    # a showcase whose cell finished in an earlier run of another grid (e.g. before sizes were added);
    # one offered to a job of this run and not made (its generator failed) is not fitted again
    offered = {a for *_, show in jobs for a in show}
    missing = [a for a in augs_r if task.has_showcase(a) and a not in offered and not (out / "showcase" / a / "meta.json").exists()]
    for group in task.jobs(missing):
        result = run_job(task, seeds_r[0], sizes_r[-1], {a: [] for a in group}, group)
        for aug, payload in result.get("showcase", {}).items():
            task.write_showcase(out / "showcase" / aug, payload)
    return read_results(out / "results.csv", task.columns)


def run_job(task: Task, seed: int, size: int, todo: dict, showcase: list) -> dict:
    """One job on one thread, serial runs included: jobs run side by side, and float reductions
    then add up in the same order whatever ``n_jobs`` is (the serial and parallel results agree)."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return task.run_job(seed, size, todo, showcase)
    finally:
        torch.set_num_threads(before)


def _execute(task: Task, jobs: list, out: Path, n_jobs: int, client, progress: bool) -> None:
    from tqdm.auto import tqdm

    results_path = out / "results.csv"
    bar = tqdm(total=len(jobs), unit="cell", desc="boost", disable=not progress)

    def collect(result: dict) -> None:
        append_rows(results_path, result["rows"], task.columns)
        for name, lines in result.get("extra", {}).items():  # e.g. per-epoch training curves
            if lines:
                append_text(out / name, "".join(json.dumps(line, default=float) + "\n" for line in lines))
        for aug, payload in result.get("showcase", {}).items():
            task.write_showcase(out / "showcase" / aug, payload)
        r = result["rows"][0]
        bar.set_postfix_str(f"seed {r['seed']} n={r['size']} {r['augmenter']}", refresh=False)
        bar.update(1)

    try:
        if client is not None:
            _run_dask(task, jobs, client, collect)
        elif n_jobs == 1:
            for job in jobs:
                collect(run_job(task, *job))
        else:
            from joblib import Parallel, delayed

            for result in Parallel(n_jobs=n_jobs, return_as="generator_unordered")(delayed(run_job)(task, *j) for j in jobs):
                collect(result)
    finally:
        bar.close()


def connect(scheduler) -> tuple[Any, bool]:
    """(a distributed Client, whether this run opened it) from an address or a Client."""
    try:
        from distributed import Client
    except ImportError:
        raise ParameterError("--scheduler needs dask.distributed: pip install 'synthboost[dask]'") from None
    if isinstance(scheduler, Client):
        return scheduler, False
    try:
        return Client(scheduler, timeout="20s"), True
    except OSError as e:
        raise ParameterError(f"cannot reach the Dask scheduler at {scheduler}: {e}") from None


def _run_dask(task: Task, jobs, client, collect) -> None:
    from distributed import as_completed

    shared = client.scatter(task, broadcast=True)  # ship the task (and its data) once, not per job
    futures = [client.submit(run_job, shared, *job, pure=False) for job in jobs]
    for fut in as_completed(futures):
        collect(fut.result())


__all__ = ["Task", "run_grid", "read_results", "latest_attempts", "CELL_KEY", "whole_numbers", "connect"]
