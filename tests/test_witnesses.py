"""otcheck.witnesses is a deprecated alias: every former name resolves, with a warning naming its new home;
nothing inside otcheck imports it; the constructions that moved out of it need no torch."""

import ast
import importlib
import subprocess
import sys
from pathlib import Path

import pytest

import otcheck

ROOT = Path(otcheck.__file__).resolve().parent

#: the former __all__ of otcheck.witnesses (bures_w2_torch was removed, not moved)
FORMER = [
    "W1Witness",
    "w1_dual",
    "c_transform_witness",
    "EncoderLP",
    "constrained_encoder",
    "gaussian_nll_matrix",
    "posterior_encoder",
    "neg_log_likelihood",
    "vae_objective",
    "aggregated_posterior",
    "reconstruction",
    "aae_objective",
    "pot_objective",
    "avb_objective",
    "optimal_decoder",
    "least_squares_decoder",
    "decoder_coordinate_minimum",
    "decoder_blur",
    "primal_gradient",
    "LinearDecoderFit",
    "fit_linear_decoder",
    "SmoothWitnessClass",
    "SmoothWitness",
    "best_smooth_witness",
    "Prop3Row",
    "prop3_instance",
    "mixture_moments_quad",
    "PairSearch",
    "search_pairs",
]


@pytest.mark.parametrize("name", FORMER)
def test_every_former_name_resolves_with_a_warning_naming_its_new_home(name):
    import otcheck.witnesses as W

    with pytest.warns(DeprecationWarning, match=rf"otcheck\.witnesses\.{name} is deprecated: it moved to") as rec:
        obj = getattr(W, name)
    home = str(rec[0].message).split("moved to ")[1].split(";")[0].rsplit(".", 1)[0]
    assert getattr(importlib.import_module(home), name) is obj
    assert home in (W.__doc__ or "") and name in (W.__doc__ or "")
    assert name in W.__all__


def test_removed_and_unknown_names():
    import otcheck.witnesses as W

    with pytest.raises(AttributeError, match="closed_forms.gaussian_w2"):
        W.bures_w2_torch  # noqa: B018
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        W.nope  # noqa: B018


def test_nothing_inside_otcheck_imports_the_alias():
    users = []
    for path in ROOT.rglob("*.py"):
        if path.name == "witnesses.py" and path.parent == ROOT:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").endswith("witnesses"):
                users.append(f"{path.name}:{node.lineno}")
            elif isinstance(node, ast.ImportFrom) and any(a.name == "witnesses" for a in node.names):
                users.append(f"{path.name}:{node.lineno}")
            elif isinstance(node, ast.Import) and any(a.name.endswith("witnesses") for a in node.names):
                users.append(f"{path.name}:{node.lineno}")
    assert users == []


#: Blocks ``import torch`` with a meta-path finder. (``sys.modules["torch"] = None`` would block it too, but
#: scipy's array-API helpers read ``sys.modules["torch"]`` and fail on None when scipy.stats is imported.)
BLOCK_TORCH = """
import sys
class _NoTorch:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("torch is blocked in this test")
        return None
sys.meta_path.insert(0, _NoTorch())
"""


def test_moved_constructions_run_without_torch():
    code = BLOCK_TORCH + (
        "from otcheck.exact import w1_dual\nfrom otcheck.autoencoders import fit_linear_decoder, primal_gradient\n"
        "from otcheck.claims._prop3 import prop3_instance\nfrom otcheck.claims import registry\n"
        "assert w1_dual([0.0, 1.0], [3.0]).value > 0\nassert fit_linear_decoder([[2.0]], 0.5).value >= 0\n"
        "assert prop3_instance(0.5).cos_f < 1\n"
        "for cid in ('prop2', 'prop3', 'primal-imperfect-posterior', 'vae-blur', 'w1-primal-dual', 'lemma8'):\n"
        "    assert registry[cid].run().verdict == 'holds', cid\n"
        "assert 'torch' not in sys.modules\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
