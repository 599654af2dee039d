"""Training speed of the small models, and time for POT to fit the ring mixture.

Run: ``python benchmarks/bench_models.py [--device auto|cpu|cuda] [--threads N] [--quick]``.

Prints, for the chosen device:

1. steps per second of every model at batch 256 on the ring (2-D) and on the 8x8 digits
   (``otcheck.models.train`` end to end, one evaluation included, after a warm-up run);
2. time for POT-family models on the ring to reach a certified W_2^2 to 500 held-out points within
   1.5x of the data's own two-sample W_2^2 (two held-out halves of 500), the target being <= 60 s on
   a 2-core CPU. Two POT variants are timed in the same run, over ``--seeds`` training seeds: the
   latent-GAN POT of eq. 13 (model ``pot``) and the relaxed objective with the MMD penalty
   (``wae-mmd``), each with its ``otcheck train`` recipe. The load average is printed with each
   figure (the machine is shared; times are pessimistic under load).

On a machine with CUDA, run it once with ``--device cpu`` and once with ``--device cuda`` and compare
the two tables (the speed-up is the ratio of the steps/s columns).
"""

from __future__ import annotations

import argparse
import os

import torch

from otcheck.models.evaluate import exact_cost
from otcheck.models.train import TrainConfig, recipe, resolve_device, train

MODELS = ("pot", "wae-mmd", "aae", "vae", "wgan-gp")

#: The two POT variants timed on the ring, both from the tuned recipes of ``otcheck train``.
RING_TARGET_CONFIGS = {
    "pot (eq. 13, latent GAN penalty, Gaussian encoder, R1 critic)": dict(model="pot", **recipe("pot", "ring")),
    "wae-mmd (POT objective, MMD penalty, Gaussian encoder)": dict(model="wae-mmd", **recipe("wae-mmd", "ring")),
}


def steps_per_second(model, data, device, steps):
    cfg = TrainConfig(
        model,
        data,
        steps=steps,
        seed=0,
        batch_size=256,
        device=device,
        eval_every=steps,
        eval_size=64,
        n_train=1497 if data == "digits" else 2000,
        n_test=300 if data == "digits" else 500,
    )
    train(
        TrainConfig(
            model,
            data,
            steps=5,
            seed=0,
            batch_size=256,
            device=device,
            eval_every=5,
            eval_size=16,
            n_train=cfg.n_train,
            n_test=cfg.n_test,
        ),
        quiet=True,
    )  # warm-up
    res = train(cfg, quiet=True)
    return steps / res.seconds


def time_to_target(cfg_kw, device, steps=3000, eval_every=250, seed=0):
    """One seeded run of ``steps`` steps with a certified evaluation every ``eval_every`` steps; the
    time reported is the training clock (evaluations included) at the first evaluation under target."""
    kw = dict(cfg_kw)
    model = kw.pop("model")
    cfg = TrainConfig(
        model,
        "ring",
        steps=steps,
        seed=seed,
        device=device,
        eval_every=eval_every,
        eval_size=500,
        n_train=2000,
        n_test=1000,
        **kw,
    )
    _, X_test = cfg.split()
    floor = exact_cost(X_test[:500], X_test[500:1000], "sqeuclidean")
    target = 1.5 * floor
    res = train(cfg, quiet=True)
    hit = next((h for h in res.history if h["w2sq_test"] <= target), None)
    return floor, target, hit, res.history, res.seconds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--device", default="cpu", choices=("auto", "cpu", "cuda"))
    ap.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1, as otcheck train)")
    ap.add_argument("--quick", action="store_true", help="fewer steps")
    ap.add_argument("--ring-steps", type=int, default=3000, help="steps of each ring run (default 3000)")
    ap.add_argument("--seeds", type=int, default=3, help="training seeds of each ring run (default 3)")
    ap.add_argument("--skip-speed", action="store_true", help="only the time-to-target part")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    name = torch.cuda.get_device_name(0) if device == "cuda" else f"CPU, {torch.get_num_threads()} torch threads"
    print(f"device: {device} ({name}); torch {torch.__version__}")
    steps = 50 if args.quick else 200

    def load():
        return "load avg {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())

    if not args.skip_speed:
        speed_table(device, steps, load)
    print(
        f"\n2. time to W_2^2(500 held-out, 500 samples) <= 1.5 x two-sample W_2^2 of the data, ring mixture "
        f"(eval every 250 steps; {load()})"
    )
    for seed in range(args.seeds):
        for label, kw in RING_TARGET_CONFIGS.items():
            floor, target, hit, history, total = time_to_target(kw, device, steps=args.ring_steps, seed=seed)
            best = min(history, key=lambda h: h["w2sq_test"])
            head = f"seed {seed} {label}:\n   data floor {floor:.4f}, target {target:.4f}; "
            if hit is not None:
                print(
                    head + f"REACHED W_2^2 = {hit['w2sq_test']:.4f} at step {hit['step']} after {hit['seconds']:.1f} s "
                    f"(run: {history[-1]['step']} steps in {total:.1f} s, best {best['w2sq_test']:.4f}, "
                    f"last {history[-1]['w2sq_test']:.4f}; W_2^2(Q_Z, P_Z) last "
                    f"{history[-1].get('w2sq_latent', float('nan')):.3f}; {load()})"
                )
            else:
                print(
                    head + f"NOT reached in {total:.1f} s ({args.ring_steps} steps); best W_2^2 = "
                    f"{best['w2sq_test']:.4f} at step {best['step']} ({best['seconds']:.1f} s; {load()})"
                )


def speed_table(device, steps, load):
    print(f"\n1. steps/second at batch 256 ({steps} steps, one certified evaluation included)")
    print(f"{'model':10s} {'ring (2-D)':>12s} {'digits (64-D)':>14s}")
    for m in MODELS:
        r = steps_per_second(m, "ring", device, steps)
        d = steps_per_second(m, "digits", device, steps)
        print(f"{m:10s} {r:12.1f} {d:14.1f}   ({load()})")


if __name__ == "__main__":
    main()
