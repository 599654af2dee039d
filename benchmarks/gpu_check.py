"""The CUDA check of the trained side (issue: the trained headline; run by ``gpu_check.sh``).

For each model (``pot``, ``wae-mmd``, ``aae``, ``vae``, ``wgan-gp``) on the ring:

1. trains ``--steps`` steps on CUDA and on CPU (seed 0, batch 256) and prints steps/s on each and
   the ratio;
2. trains the same config on CUDA a second time and checks that every weight is bit-for-bit the
   same (``otcheck.models.train`` runs CUDA in deterministic mode: ``CUBLAS_WORKSPACE_CONFIG`` and
   ``torch.use_deterministic_algorithms``);
3. evaluates the CUDA-trained model on CUDA and, with the same weights, on CPU: the certified
   :math:`W_2^2` to 500 held-out points (the same latent draws) must agree within
   ``--tol`` relative (default 1e-3: float32 kernels differ between devices, the exact OT solve is the
   same on both); the W_2^2 of the CPU-trained model is printed beside it (training itself is not
   expected to agree across devices beyond the first steps).

Exit status 0 when every check passes, 1 otherwise, 2 when no CUDA device is visible.

Run: ``python benchmarks/gpu_check.py [--steps 300] [--tol 1e-3]``.
"""

from __future__ import annotations

import argparse
import copy
import sys
import time

import torch

from otcheck.models.evaluate import wasserstein_to_data
from otcheck.models.train import TrainConfig, train

MODELS = ("pot", "wae-mmd", "aae", "vae", "wgan-gp")


def _config(model: str, device: str, steps: int) -> TrainConfig:
    return TrainConfig(
        model,
        "ring",
        steps=steps,
        seed=0,
        batch_size=256,
        device=device,
        eval_every=steps,
        eval_size=64,
        n_train=2000,
        n_test=500,
    )


def _train(model: str, device: str, steps: int):
    t0 = time.perf_counter()
    res = train(_config(model, device, steps))
    if device == "cuda":
        torch.cuda.synchronize()
    return res, steps / (time.perf_counter() - t0)


def _w2(model_obj, X_test, device: str) -> float:
    m = copy.deepcopy(model_obj).to(device)
    return wasserstein_to_data(m, X_test, n=500, repeats=2, seed=0).value


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--tol", type=float, default=1e-3)
    p.add_argument(
        "--accel", default="cuda", help="the device checked against the CPU ('cpu': a dry run of this script)"
    )
    args = p.parse_args()
    accel = args.accel
    if accel == "cuda" and not torch.cuda.is_available():
        print("no CUDA device visible: nothing to check")
        return 2
    if accel == "cuda":
        print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}")
    for model in MODELS:  # warm-up: CUDA context, kernels, imports are not the steps' time
        train(_config(model, accel, 5))
        train(_config(model, "cpu", 5))
    failures = 0
    print(
        f"{'model':<8} {'cuda steps/s':>12} {'cpu steps/s':>12} {'ratio':>6}  reproducible  "
        f"W2^2 cuda-eval  W2^2 cpu-eval  rel.diff  W2^2 (cpu-trained)"
    )
    for model in MODELS:
        cuda, cuda_sps = _train(model, accel, args.steps)
        again, _ = _train(model, accel, args.steps)
        cpu, cpu_sps = _train(model, "cpu", args.steps)
        a, b = cuda.model.state_dict(), again.model.state_dict()
        same = all(torch.equal(a[k], b[k]) for k in a)
        X_test = cuda.config.split()[1]
        w_cuda, w_cpu = _w2(cuda.model, X_test, accel), _w2(cuda.model, X_test, "cpu")
        rel = abs(w_cuda - w_cpu) / max(abs(w_cpu), 1e-300)
        w_cpu_trained = _w2(cpu.model, X_test, "cpu")
        ok = same and rel <= args.tol
        failures += not ok
        print(
            f"{model:<8} {cuda_sps:12.1f} {cpu_sps:12.1f} {cuda_sps / cpu_sps:6.2f}  {str(same):<12}  "
            f"{w_cuda:14.6g} {w_cpu:14.6g} {rel:9.1e}  {w_cpu_trained:.6g}  {'ok' if ok else 'FAIL'}"
        )
    print("all checks passed" if not failures else f"{failures} model(s) failed a check")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
