"""Paper output of otcheck.figures: page width, fonts, palette, determinism, data files, register,
and the figures added for Corollary 7 / Lemma 8, AAE = POT, the W1 primal/dual pair and prop5-proof.

The PDFs are opened with pypdf: the page's MediaBox gives the width, and every font resource
(descendant fonts of Type0 fonts included) is checked for /Type3.
"""

import json
import math
import subprocess
import sys

import numpy as np
import pypdf
import pytest
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure

import otcheck
from otcheck import figures
from otcheck.figures import _base


def _fonts(reader):
    """Subtypes of every font of every page (XObject forms and Type0 descendants included)."""
    found = []

    def walk(resources):
        if resources is None:
            return
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            found.append(str(font["/Subtype"]))
            for desc in font.get("/DescendantFonts") or []:
                found.append(str(desc.get_object()["/Subtype"]))
        for xobj in (resources.get("/XObject") or {}).values():
            walk(xobj.get_object().get("/Resources"))

    for page in reader.pages:
        walk(page.get("/Resources"))
    return found


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    """``otcheck figures --format pdf --width single --out D`` through the command line's entry point."""
    from otcheck.cli import main

    out = tmp_path_factory.mktemp("pdf")
    assert main(["figures", "--format", "pdf", "--width", "single", "--out", str(out)]) == 0
    return out


def test_one_single_column_pdf_per_figure_without_type3_fonts(pdfs):
    for name in figures.FIGURES:
        reader = pypdf.PdfReader(pdfs / f"{name}.pdf")
        assert len(reader.pages) == 1
        box = reader.pages[0].mediabox
        assert float(box.width) == pytest.approx(72 * 3.25, abs=1e-6), name  # the page, not a crop
        assert 72 * 1.5 < float(box.height) < 72 * 6, name
        fonts = _fonts(reader)
        assert fonts, name
        assert "/Type3" not in fonts, (name, fonts)
        assert set(fonts) <= {"/Type0", "/CIDFontType2", "/TrueType"}, (name, fonts)


def test_each_figure_has_its_data_file_with_intervals(pdfs):
    for name in figures.FIGURES:
        data = json.loads((pdfs / f"{name}.json").read_text())
        assert data["figure"] == name and data["width_in"] == 3.25 and data["seed"] == 0
        assert data["series"], name
        for series in data["series"]:
            assert series["guarantee"] in figures.GUARANTEES
            assert series["points"], (name, series["name"])
            for p in series["points"]:
                lo, v, hi = (float(p[k]) for k in ("lower", "value", "upper"))
                assert lo <= v <= hi, (name, series["name"], p)


def test_the_same_command_twice_gives_the_same_bytes(pdfs, tmp_path):
    """A second run, in a fresh interpreter, writes byte-identical PDFs and data files."""
    proc = subprocess.run(
        [sys.executable, "-m", "otcheck", "figures", "--format", "pdf", "--width", "single", "--out", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    for name in figures.FIGURES:
        for ext in ("pdf", "json"):
            assert (tmp_path / f"{name}.{ext}").read_bytes() == (pdfs / f"{name}.{ext}").read_bytes(), (name, ext)


@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_svg_and_png_are_deterministic_too(tmp_path, fmt):
    first = figures.save(["prop5-proof"], out=tmp_path / "a", fmt=fmt, width="double", style="serif", dpi=50)
    second = figures.save(["prop5-proof"], out=tmp_path / "b", fmt=fmt, width="double", style="serif", dpi=50)
    a, b = first["prop5-proof"].figure, second["prop5-proof"].figure
    with open(a, "rb") as fa, open(b, "rb") as fb:
        data = fa.read()
        assert data == fb.read()
    if fmt == "svg":
        text = data.decode()
        assert "<dc:date>" not in text and 'width="486pt"' in text  # 6.75 in, no date


def _texts(fig):
    fig.canvas.draw() if hasattr(fig.canvas, "draw") else None
    return [t for t in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text")) if t.get_text()]


@pytest.mark.parametrize("width", ["single", "double"])
def test_fonts_are_at_least_7pt_and_text_stays_on_the_page(width):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    for name, func in figures.FIGURES.items():
        with figures.paper_style(width):
            fig = func(seed=0)
            FigureCanvasAgg(fig)
            fig.canvas.draw()
            assert fig.get_size_inches()[0] == figures.column_width(width)
            for t in _texts(fig):
                assert t.get_fontsize() >= figures.MIN_FONT_PT - 1e-9, (name, t.get_text(), t.get_fontsize())
            # everything drawn (titles, labels, legends, ticks) lies on the page: nothing is cropped
            drawn = fig.get_tightbbox(fig.canvas.get_renderer())
            w, h = fig.get_size_inches()
            tol = 1 / 72  # one point
            assert drawn.x0 >= -tol and drawn.y0 >= -tol and drawn.x1 <= w + tol and drawn.y1 <= h + tol, (name, drawn)


def test_palette_is_colour_blind_safe_and_lines_differ_in_grey():
    okabe_ito = {"#000000", "#E69F00", "#56B4E9", "#009E73", "#D55E00", "#0072B2", "#CC79A7", "#F0E442"}
    assert set(figures.PALETTE) == okabe_ito
    styles = [figures.series_style(k) for k in range(len(figures.PALETTE))]
    # printed in grey, colour is gone: each series keeps its own dash pattern and marker
    assert len({repr(s["linestyle"]) for s in styles}) == len(styles)
    assert len({s["marker"] for s in styles}) == len(styles)
    grey = [np.dot(to_rgb(c), [0.299, 0.587, 0.114]) for c in figures.PALETTE]
    assert max(grey) - min(grey) > 0.8
    with figures.paper_style():
        import matplotlib

        cycle = matplotlib.rcParams["axes.prop_cycle"].by_key()
        assert [c.upper() for c in cycle["color"]] == list(figures.PALETTE)
        assert matplotlib.rcParams["pdf.fonttype"] == 42


def test_serif_style_sets_stix_text_and_math():
    with figures.paper_style("double", "serif") as rc:
        import matplotlib

        assert matplotlib.rcParams["mathtext.fontset"] == "stix"
        assert matplotlib.rcParams["font.family"] == ["serif"]
        assert rc["figure.figsize"][0] == 6.75
    assert matplotlib.rcParams["mathtext.fontset"] != "stix" or rc is None  # restored


def test_bad_arguments_name_themselves(tmp_path):
    with pytest.raises(ValueError, match="^fmt"):
        figures.save(["prop2"], out=tmp_path, fmt="eps")
    with pytest.raises(ValueError, match="^width"):
        figures.save(["prop2"], out=tmp_path, width="triple")
    with pytest.raises(ValueError, match="^style"):
        figures.paper_rc("single", "comic")
    with pytest.raises(TypeError, match="^width"):
        figures.column_width(None)
    with pytest.raises(ValueError, match="^name"):
        figures.register("has space")
    assert not list(tmp_path.iterdir())


def test_register_adds_a_user_figure_to_save_and_the_cli(tmp_path, monkeypatch):
    module = tmp_path / "my_figs.py"
    module.write_text(
        "from matplotlib.figure import Figure\n"
        "from otcheck.figures import register, record\n"
        "@register('my-decay')\n"
        "def my_decay(seed=0):\n"
        "    fig = Figure()\n"
        "    ax = fig.subplots()\n"
        "    n = [10, 100, 1000]\n"
        "    v = [1 / k for k in n]\n"
        "    ax.plot(n, v, label='1/n')\n"
        "    record(fig, '1/n', n, v, lower=[0.9 * x for x in v], upper=[1.1 * x for x in v], guarantee='confidence')\n"
        "    return fig\n"
    )
    monkeypatch.setattr(figures, "FIGURES", dict(figures.FIGURES))
    from otcheck.cli import main

    out = tmp_path / "out"
    assert main(["figures", "my-decay", "--import", str(module), "--format", "svg", "--out", str(out)]) == 0
    assert "my-decay" in figures.FIGURES
    assert (out / "my-decay.svg").read_text().count('width="234pt"') == 1  # drawn at 3.25 in
    data = json.loads((out / "my-decay.json").read_text())
    assert data["series"][0]["points"][0] == {"x": 10.0, "value": 0.1, "lower": 0.9 * 0.1, "upper": 1.1 * 0.1}
    with pytest.raises(ValueError, match="already registered"):
        figures.register("my-decay")(lambda seed=0: Figure())


def test_a_figure_that_records_nothing_gets_its_drawn_data(tmp_path, monkeypatch):
    monkeypatch.setattr(figures, "FIGURES", dict(figures.FIGURES))

    @figures.register("plain")
    def plain(seed=0):
        fig = Figure()
        ax = fig.subplots()
        ax.plot([1.0, 2.0], [3.0, 4.0], label="line")
        ax.scatter([0.5], [0.25], label="dot")
        return fig

    with open(figures.save(["plain"], out=tmp_path, fmt="png", dpi=30)["plain"].data) as fh:
        data = json.load(fh)
    assert [s["name"] for s in data["series"]] == ["axes 0: line", "axes 0: dot"]
    assert data["series"][1]["points"] == [{"x": 0.5, "value": 0.25}]
    assert {s["guarantee"] for s in data["series"]} == {"drawn"}


def test_record_rejects_an_interval_that_misses_its_value():
    with pytest.raises(ValueError, match="^lower, upper"):
        figures.record(Figure(), "s", [0.0], [1.0], lower=[1.5], upper=[2.0])
    with pytest.raises(ValueError, match="^guarantee"):
        figures.record(Figure(), "s", [0.0], [1.0], guarantee="trust me")


def test_large_scatters_are_rasterized_in_vector_files():
    assert _base.rasterize(np.arange(1000.0)) and not _base.rasterize(np.arange(5.0))
    fig = figures.fig_aae_pot(seed=0, n=2, m=2, decoders=2, encoders=300)  # 600 points
    assert [c.get_rasterized() for c in fig.axes[0].collections if c.get_label() == "(Q, G) pairs"] == [True]
    fig = figures.fig_w1_primal_dual(seed=0, n=2, m=2, grid=10)
    assert any(c.get_rasterized() for c in fig.axes[1].collections)  # the witness image


# ---------------------------------------------------------------------------------- new figures


def _line(ax, label):
    found = [l for l in ax.get_lines() if l.get_label() == label]
    assert len(found) == 1, [l.get_label() for l in ax.get_lines()]
    return found[0]


def test_sigma2_gap_is_sigma2_plus_certified_ot_and_bounds_wc():
    s2 = np.array([0.1, 0.3, 0.9])
    fig = figures.fig_sigma2_gap(seed=4, n=4, m=3, sigma2=s2, n_samples=500, reps=5)
    left, right = fig.axes[0], fig.axes[1]
    dagger = np.asarray(_line(left, "W_c^dagger").get_ydata())
    wc = np.asarray(_line(left, "W_c(P_X, P_G)").get_ydata())
    assert np.all(np.diff(dagger - s2) == pytest.approx(0.0, abs=1e-12))  # an additive sigma^2
    assert np.all(wc <= dagger + 1e-12)  # Corollary 7
    # the baseline W_c(P_X, G_# P_Z) (sigma^2 = 0) lies exactly sigma^2 below W_c^dagger: the additive gap
    base = [l for l in left.get_lines() if "sigma^2 = 0" in l.get_label()]
    assert len(base) == 1
    np.testing.assert_allclose(dagger - s2, base[0].get_ydata()[0], rtol=1e-12)
    exact = np.asarray(_line(right, "Var Y (exact)").get_ydata())
    assert np.all(np.diff(exact - s2) == pytest.approx(0.0, abs=1e-12))  # Lemma 8
    sampled = figures.figure_data(fig)["series"][3]
    assert sampled["guarantee"] == "confidence"
    inside = [float(p["lower"]) <= e <= float(p["upper"]) for p, e in zip(sampled["points"], exact)]
    assert sum(inside) >= 2  # 95 % intervals around the exact variance


def test_aae_pot_points_lie_on_the_affine_map_and_infima_are_certified():
    s2 = 0.7
    fig = figures.fig_aae_pot(seed=1, n=3, m=2, decoders=2, encoders=10, sigma2=s2)
    ax = fig.axes[0]
    pairs = [c for c in ax.collections if c.get_label() == "(Q, G) pairs"][0].get_offsets()
    pot, aae = np.asarray(pairs)[:, 0], np.asarray(pairs)[:, 1]
    np.testing.assert_allclose(aae, pot / (2 * s2) + math.log(2 * math.pi * s2), rtol=1e-9, atol=1e-9)  # d = 2
    data = {s["name"]: s for s in figures.figure_data(fig)["series"]}
    for p, q in zip(data["inf_Q POT"]["points"], data["inf_Q AAE"]["points"]):
        assert q["value"] == pytest.approx(p["value"] / (2 * s2) + math.log(2 * math.pi * s2), abs=1e-6)
    # the infimum over encoders is below every encoder of the family, for each decoder
    per_decoder = np.asarray(pot).reshape(2, 10)
    for j in range(2):
        assert float(data["inf_Q POT"]["points"][j]["lower"]) <= per_decoder[j].min() + 1e-9


def test_w1_primal_and_dual_values_agree_with_otcheck():
    fig = figures.fig_w1_primal_dual(seed=2, n=4, m=3, grid=20)
    data = figures.figure_data(fig)["series"][0]["points"]
    assert data[0]["value"] == pytest.approx(data[1]["value"], rel=1e-9)
    left = fig.axes[0]
    X = [c for c in left.collections if c.get_label() == "mu"][0].get_offsets()
    Y = [c for c in left.collections if c.get_label() == "nu"][0].get_offsets()
    w = otcheck.wasserstein(
        otcheck.DiscreteMeasure(np.asarray(X)), otcheck.DiscreteMeasure(np.asarray(Y)), cost="euclidean"
    )
    assert data[0]["value"] == pytest.approx(w.cost, rel=1e-9)


def test_prop5_proof_shows_each_normalization_breaking_one_step():
    fig = figures.fig_prop5_proof(points=99)
    left, right = fig.axes[0], fig.axes[1]
    js = np.asarray(_line(left, "D_JS").get_ydata())
    t = np.asarray(_line(left, "D_JS").get_xdata())
    assert np.all(js <= np.asarray(_line(left, "1/2 ||P-Q||_1 (Lin)").get_ydata()) + 1e-12)  # Lin holds
    assert np.any(js > t / 2)  # the TV = 1/2 L1 reading of Lin breaks ...
    sqrt_kl = np.asarray(_line(right, "sqrt(D_KL)").get_ydata())
    assert np.all(t <= sqrt_kl + 1e-12)  # ... for which Pinsker's step holds
    assert np.any(2 * t > sqrt_kl)  # and the L1 reading breaks the second step
    assert "breaks" in left.get_title() and "breaks" in right.get_title()
