"""Models for `make eval` and `make bench`: our newest model, the `rasa init` baseline trained on our
domain and data, timed trainings, and running Rasa's CLI with its output in a log file."""
from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

from settings import PROJECT_ROOT
from stack.processes import VENV_BIN

EVALUATION_DIR = Path(__file__).resolve().parent
BASELINE_CONFIG = EVALUATION_DIR / "baseline" / "config.yml"
RASA = str(VENV_BIN / "rasa")
PYTHON = str(VENV_BIN / "python")
# as the Makefile's TRAINING_DATA: English and each language's training file (its test.yml is held out)
TRAINING_DATA = ["data", *sorted(str(path.relative_to(PROJECT_ROOT))
                                 for path in (PROJECT_ROOT / "languages" / "nlu").glob("*/train.yml"))]
# The baseline is rasa init's bot on our domain and English data: its whitespace tokenizer cannot cut
# Korean or Chinese (it would warn, quoting every such sentence, and learn nothing from them), and the
# comparison it serves is on the English held-out file; the languages are measured for ours.
BASELINE_TRAINING_DATA = ["data"]


def newest_model(folder: Path) -> Path | None:
    models = sorted(folder.glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    return models[-1] if models else None


def child_environment(**overrides: str) -> dict[str, str]:
    """The environment for Rasa CLI calls: the project on PYTHONPATH, no telemetry, quiet TensorFlow."""
    env = dict(os.environ)
    env.update(
        PYTHONPATH=os.pathsep.join(filter(None, [str(PROJECT_ROOT), env.get("PYTHONPATH", "")])),
        TF_CPP_MIN_LOG_LEVEL="2",
        RASA_TELEMETRY_ENABLED="false",
        PYTHONWARNINGS="ignore",
    )
    env.update(overrides)
    return env


def run_logged(command: list[str], log_path: Path, env: dict[str, str] | None = None,
               check: bool = True, timeout: float | None = None, cwd: Path = PROJECT_ROOT) -> subprocess.CompletedProcess:
    """Run a command from the checkout (or `cwd`) with its output in `log_path`; on failure show the log's tail."""
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with log_path.open("wb") as out:
        result = subprocess.run(command, cwd=cwd, env=env or child_environment(), stdout=out,
                                stderr=subprocess.STDOUT, timeout=timeout)
    if check and result.returncode != 0:
        tail = "\n".join(log_path.read_text(errors="replace").splitlines()[-30:])
        raise RuntimeError(f"`{' '.join(command)}` failed with exit code {result.returncode}; "
                           f"last lines of {log_path}:\n{tail}")
    return result


def smoke_config(source: Path, target: Path, epochs: int = 1) -> Path:
    """A copy of a Rasa config with every `epochs` set to `epochs` (for the quick smoke runs)."""
    config = yaml.safe_load(source.read_text())
    for section in ("pipeline", "policies"):
        for component in config.get(section) or []:
            if "epochs" in component:
                component["epochs"] = epochs
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(yaml.safe_dump(config, sort_keys=False))
    return target


@dataclass
class TrainResult:
    model: Path
    seconds: float
    config: Path
    forced: bool


def train_model(config: Path, out_dir: Path, log_path: Path, fixed_name: str | None = None,
                force: bool = False, data: list[str] | None = None) -> TrainResult:
    """`rasa train` on the project's domain and data (`data`, default TRAINING_DATA) into `out_dir`
    (never into models/).

    Without `force`, Rasa reuses the components it finds in its training cache, so an unchanged
    baseline is packaged again in seconds; the model still reflects the current data.
    """
    out_dir.mkdir(parents=True, exist_ok=True)
    command = [RASA, "train", "--config", str(config), "--domain", "domain.yml", "--data", *(data or TRAINING_DATA),
               "--out", str(out_dir)]
    if fixed_name:
        command += ["--fixed-model-name", fixed_name]
    if force:
        command.append("--force")
    started = time.monotonic()
    run_logged(command, log_path)
    seconds = time.monotonic() - started
    model = out_dir / f"{fixed_name}.tar.gz" if fixed_name else newest_model(out_dir)
    if model is None or not model.exists():
        raise RuntimeError(f"rasa train wrote no model into {out_dir} (log: {log_path})")
    return TrainResult(model=model, seconds=seconds, config=config, forced=force)


def train_baseline(out_dir: Path, smoke: bool, log_dir: Path, epochs: int | None = None) -> TrainResult:
    """The baseline (`rasa init`'s effective config) trained on the project's current domain and data.

    Smoke runs use one epoch per neural component, in their own folder, so they never replace the
    full baseline of a previous `make eval`. `epochs` does the same with that many epochs (in
    `baseline-epochs-N/`): the same components and so the same cost per message, for speed figures
    where 100 epochs would take too long; its answers are not rasa init's.
    """
    if smoke:
        epochs = 1
    if epochs is not None:
        folder = out_dir / ("baseline-smoke" if smoke else f"baseline-epochs-{epochs}")
        config = smoke_config(BASELINE_CONFIG, folder / "config.yml", epochs=epochs)
        return train_model(config, folder, log_dir / f"train-{folder.name}.log", fixed_name="baseline",
                           data=BASELINE_TRAINING_DATA)
    return train_model(BASELINE_CONFIG, out_dir / "baseline", log_dir / "train-baseline.log",
                       fixed_name="baseline", data=BASELINE_TRAINING_DATA)


def our_model(explicit: str | None = None) -> Path:
    if explicit:
        path = Path(explicit)
        model = newest_model(path) if path.is_dir() else path
    else:
        model = newest_model(PROJECT_ROOT / "models")
    if model is None or not model.exists():
        raise SystemExit("No trained model in models/: run `make train` first (make eval/bench do it).")
    return model
