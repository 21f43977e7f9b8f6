"""Plant known bugs in a scratch copy of dlcore and check that the unit tests catch each.

Usage (from the repository root)::

    .venv/bin/python tests/planted_bugs.py            # every bug in BUGS
    .venv/bin/python tests/planted_bugs.py no_shuffle_per_epoch

For each bug, ``src`` is copied to a temporary folder, one exact piece of source text is
replaced, and the module's test file runs against the copy (``PYTHONPATH``). A bug that no
test catches is printed as ``MISSED`` and the script exits 1. See "Planted bugs" in
CONTRIBUTING.md. Each replacement must match exactly once, so a refactor that moves the
code makes the script fail loudly rather than plant nothing.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# name -> (module, test file, [(old, new), ...])
BUGS: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    # dlcore.ensemble: S batched networks must behave like S separate ones.
    "ensemble_norm_backward_drops_variance_path": (
        "ensemble",
        "test_ensemble.py",
        [("- xhat * np.mean(dxhat * xhat, axis=axis, keepdims=True)", "- 0 * xhat")],
    ),
    "ensemble_data_order_by_position": (
        "ensemble",
        "test_ensemble.py",
        [
            (
                "rngs = [np.random.default_rng([seed, s]) for s in net.seeds]",
                "rngs = [np.random.default_rng([seed, s]) for s in range(S)]",
            )
        ],
    ),
    "ensemble_partial_batch_weighted_as_full": (
        "ensemble",
        "test_ensemble.py",
        [("loss_sum += loss * idx.shape[1]", "loss_sum += loss * batch_size")],
    ),
    "ensemble_order_drawn_once": (
        "ensemble",
        "test_ensemble.py",
        [
            (
                "order = np.stack([r.permutation(n) for r in rngs])",
                "order = np.stack([np.random.default_rng([seed, s]).permutation(n)"
                " for s in net.seeds])",
            )
        ],
    ),
    "ensemble_running_average_pytorch_momentum": (
        "ensemble",
        "test_ensemble.py",
        [
            (
                'm * self.running[f"mean{l}"] + (1 - m) * mean',
                '(1 - m) * self.running[f"mean{l}"] + m * mean',
            )
        ],
    ),
    "ensemble_diverged_gradients_kept": (
        "ensemble",
        "test_ensemble.py",
        [("g[diverged] = 0.0", "pass")],
    ),
    "ensemble_diverged_model_not_frozen": (
        "ensemble",
        "test_ensemble.py",
        [("v[...] = np.where(frozen, old[k], new[k])", "v[...] = new[k]")],
    ),
    "ensemble_overflowing_update_not_caught": (
        "ensemble",
        "test_ensemble.py",
        [("ok &= np.isfinite(new[k]).reshape(S, -1).all(axis=1)", "pass")],
    ),
    "no_shuffle_per_epoch": (
        "nn",
        "test_nn.py",
        [
            (
                "            order = rng.permutation(n)\n",
                "            order = order if epoch > 1 else rng.permutation(n)\n",
            )
        ],
    ),
    "no_shuffle_at_all": (
        "nn",
        "test_nn.py",
        [("            order = rng.permutation(n)\n", "            order = np.arange(n)\n")],
    ),
    "partial_batch_weighted_as_full": (
        "nn",
        "test_nn.py",
        [("loss_sum += value * len(idx)", "loss_sum += value * batch_size")],
    ),
    "train_loss_plain_mean_of_steps": (
        "nn",
        "test_nn.py",
        [
            (
                "history.train_loss.append(loss_sum / n)",
                "history.train_loss.append(float(np.mean(history.loss[-steps_per_epoch:])))",
            )
        ],
    ),
    "train_accuracy_last_batch_only": (
        "nn",
        "test_nn.py",
        [("correct += int(", "correct = (n / len(idx)) * int(")],
    ),
    "validation_in_training_mode": (
        "nn",
        "test_nn.py",
        [
            (
                "val_logits = model._forward(x_val, False, model.bn_state)[0]",
                "val_logits = model._forward(x_val, True, model.bn_state)[0]",
            )
        ],
    ),
    "validation_batch_statistics_without_update": (
        "nn",
        "test_nn.py",
        [
            (
                "val_logits = model._forward(x_val, False, model.bn_state)[0]",
                "val_logits = model._forward(x_val, True, "
                "{l: dict(s) for l, s in model.bn_state.items()})[0]",
            )
        ],
    ),
    "grad_norms_after_clipping": (
        "nn",
        "test_nn.py",
        [
            (
                "                if norms is not None:\n"
                "                    norms[step - 1] = [sq[i] for i in weight_pos]\n"
                "                if clip_norm is not None:\n"
                "                    grads = _clip(grads, total, clip_norm)\n",
                "                if clip_norm is not None:\n"
                "                    grads = _clip(grads, total, clip_norm)\n"
                "                if norms is not None:\n"
                "                    norms[step - 1] = [float(np.vdot(g, g)) for k, g in "
                'grads.items() if k.startswith("W")]\n',
            )
        ],
    ),
    "grad_norms_squared": (
        "nn",
        "test_nn.py",
        [
            (
                "history.grad_norms = None if norms is None else np.sqrt(norms)",
                "history.grad_norms = norms",
            )
        ],
    ),
    "global_numpy_random_state": (
        "nn",
        "test_nn.py",
        [
            (
                "            order = rng.permutation(n)\n",
                "            order = np.random.permutation(n)\n",
            )
        ],
    ),
    "progress_bar_draws_from_rng": (
        "nn",
        "test_nn.py",
        [
            (
                '        epoch_iter = tqdm(epoch_iter, desc="training", unit="epoch")\n',
                '        epoch_iter = tqdm(epoch_iter, desc="training", unit="epoch")\n'
                "        rng.random()\n",
            )
        ],
    ),
    "progress_bar_stale_loss": (
        "nn",
        "test_nn.py",
        [
            (
                'postfix = {"loss": f"{history.train_loss[-1]:.4f}"}',
                'postfix = {"loss": f"{history.train_loss[0]:.4f}"}',
            )
        ],
    ),
    "trace_not_of_last_batch": (
        "nn",
        "test_nn.py",
        [("model._caches, model.trace, model._out_shape = caches, trace, logits.shape", "pass")],
    ),
    "update_before_finiteness_check": (
        "nn",
        "test_nn.py",
        [
            (
                "                if not math.isfinite(total):\n"
                "                    raise _diverged(epoch, step, value, "
                '"a gradient is not finite")\n',
                "",
            ),
            (
                "                optimizer.step(model.params, grads)\n",
                "                optimizer.step(model.params, grads)\n"
                "                if not math.isfinite(total):\n"
                "                    raise _diverged(epoch, step, value, "
                '"a gradient is not finite")\n',
            ),
        ],
    ),
    "loss_name_compared_raw": (
        "nn",
        "test_nn.py",
        [
            (
                "    loss = _loss_name(loss)\n"
                "    loss_fn = _BY_NAME[loss]\n"
                "    x = model._check_x(x)",
                "    loss_fn = _BY_NAME[_loss_name(loss)]\n    x = model._check_x(x)",
            )
        ],
    ),
    "nan_input_not_refused": (
        "nn",
        "test_nn.py",
        [
            (
                "        check_finite(x, name)  # NaN input would poison batch-norm statistics",
                "        #",
            )
        ],
    ),
}


def plant(name: str, scratch: Path) -> list[str]:
    """Copy src into ``scratch``, plant bug ``name``, run its tests; return failing tests."""
    module, test_file, edits = BUGS[name]
    shutil.copytree(ROOT / "src", scratch / "src")
    path = scratch / "src" / "dlcore" / f"{module}.py"
    text = path.read_text()
    for old, new in edits:
        if text.count(old) != 1:
            raise SystemExit(f"{name}: the text to replace occurs {text.count(old)} times")
        text = text.replace(old, new)
    path.write_text(text)
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            f"tests/{test_file}",
            "-q",
            "-p",
            "no:cacheprovider",
            "-m",
            "not tf and not browser",
        ],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(scratch / "src")},
        capture_output=True,
        text=True,
    )
    return sorted(set(re.findall(rf"FAILED tests/{re.escape(test_file)}::(\w+)", result.stdout)))


def main(names: list[str]) -> int:
    missed = 0
    for name in names or list(BUGS):
        with tempfile.TemporaryDirectory(prefix=f"planted-{name}-") as tmp:
            caught = plant(name, Path(tmp))
        print(f"{name}: " + (", ".join(caught) if caught else "MISSED"), flush=True)
        missed += not caught
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
