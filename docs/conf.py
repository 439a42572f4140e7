"""Sphinx configuration of the sklogreg documentation.

Build with ``sphinx-build -W --keep-going -b html docs docs/_build/html``.
"""

import os
import sys
from pathlib import Path

import sklogreg

HERE = Path(__file__).resolve().parent
# The gallery's ordering key lives beside this file (see _sphinxext/).
sys.path.insert(0, str(HERE / "_sphinxext"))
# Examples draw with a non-interactive backend, whatever the environment says.
os.environ.setdefault("MPLBACKEND", "Agg")

# -- Project -----------------------------------------------------------------
project = "sklogreg"
author = "The sklogreg developers"
copyright = "2026, The sklogreg developers"
release = sklogreg.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    # MathJax copied into the build (_static/mathjax), not loaded from a CDN: the
    # pages render their formulas without a network.
    "sphinx-mathjax-offline",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "**/*.ipynb", "**/*.zip"]
default_role = "literal"

# -- autodoc, autosummary, numpydoc --------------------------------------------
autosummary_generate = True
autodoc_default_options = {"member-order": "bysource"}
# The class template lists the methods itself; numpydoc's own member table
# would repeat them (and warn about the duplicates).
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# -- sphinx-gallery ------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "subsection_order": [
        "../examples/gradient_descent",
        "../examples/classification",
    ],
    # A string, not a class, so that the configuration stays picklable.
    "within_subsection_order": "gallery_order.NarrativeOrder",
    "doc_module": ("sklogreg",),
    "backreferences_dir": "gen_modules/backreferences",
    "reference_url": {"sklogreg": None},
    "download_all_examples": False,
    "remove_config_comments": True,
    "abort_on_example_error": True,
    "min_reported_time": 1,
    # No sg_execution_times.rst pages: they would land in docs/ itself.
    "write_computation_times": False,
}

# -- HTML ----------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklogreg {release}"
html_static_path = []
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {"index": [], "benchmarks": [], "scaling_out": []}
html_show_sourcelink = False
