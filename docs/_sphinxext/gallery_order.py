"""The order of the gallery's examples: a narrative, not the alphabet.

sphinx-gallery takes this key by its qualified name,
``gallery_order.NarrativeOrder``, which keeps Sphinx's configuration
picklable. Files missing from ``ORDER`` come last, alphabetically.
"""

ORDER = [
    # gradient_descent/
    "plot_sigmoid.py",
    "plot_loss_curve.py",
    "plot_learning_rate.py",
    "plot_against_sklearn.py",
    # classification/
    "plot_iris_boundary.py",
    "plot_moons.py",
    "plot_precision_recall.py",
    "plot_grid_search_C.py",
    "plot_cv_path.py",
    "plot_odds_ratios.py",
]


class NarrativeOrder:
    """Sort key for ``within_subsection_order``: position in ``ORDER``."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        try:
            return (ORDER.index(filename), filename)
        except ValueError:
            return (len(ORDER), filename)

    def __repr__(self):
        return "<NarrativeOrder>"
