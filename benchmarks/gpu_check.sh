#!/usr/bin/env bash
# The CUDA check of otcheck's trained side, for a machine with an NVIDIA GPU (under 5 minutes).
# Installs the package with the models extra into a venv beside the checkout (a CUDA build of torch,
# whatever pip picks for this machine), then runs benchmarks/gpu_check.py: per model, steps/s on CUDA
# against CPU, bit-for-bit reproducibility of a seed on CUDA, CPU/CUDA agreement of the evaluation.
set -euo pipefail
cd "$(dirname "$0")/.."
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader || true
if ! python -c "import torch, otcheck.models; assert torch.cuda.is_available()" 2>/dev/null; then
  python -m venv .venv-gpu
  . .venv-gpu/bin/activate
  pip install -q -e ".[models]"
fi
python benchmarks/gpu_check.py --steps "${STEPS:-300}" --tol "${TOL:-1e-3}"
