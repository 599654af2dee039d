"""sphinx-gallery image scraper for otcheck's figures, which are built without pyplot.

After each code block of a gallery example, every ``matplotlib.figure.Figure`` among the
example's variables that was not shown yet is saved as an image of the gallery page (and marked
as shown, on the figure itself, so that no state outlives the example).
"""

_SHOWN = "_otcheck_gallery_shown"


def scrape_figures(block, block_vars, gallery_conf):
    """The reST of the images of the new figures of one code block (sphinx-gallery scraper API)."""
    from matplotlib.figure import Figure
    from sphinx_gallery.scrapers import figure_rst

    paths = []
    for value in list(block_vars["example_globals"].values()):
        if isinstance(value, Figure) and not getattr(value, _SHOWN, False):
            setattr(value, _SHOWN, True)
            path = next(block_vars["image_path_iterator"])
            value.savefig(path, dpi=110)
            paths.append(path)
    return figure_rst(paths, gallery_conf["src_dir"])


def _get_sg_image_scraper():
    """sphinx-gallery's hook: ``"image_scrapers": ("otcheck_gallery",)`` in conf.py names this module
    (a string keeps the configuration picklable)."""
    return scrape_figures
