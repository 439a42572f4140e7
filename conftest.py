"""Test-session setup shared by ``tests/`` and the doctests of ``sklogreg/``.

scikit-learn's array API dispatch needs SciPy's array API support, which is
read once, when SciPy is first imported: set it before anything imports it.
"""

import os

os.environ.setdefault("SCIPY_ARRAY_API", "1")
