"""The worker imports the data path's libraries as it starts; a missing one is skipped."""

from __future__ import annotations

import sys

from activities.preload import MODULES, preload


def test_preload_imports_the_data_path_and_skips_what_is_missing():
    loaded = preload((*MODULES, "ductwork_no_such_module"))
    assert loaded == list(MODULES)
    assert all(name in sys.modules for name in MODULES)
