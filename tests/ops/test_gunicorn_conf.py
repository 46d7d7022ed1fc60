"""deploy/gunicorn.conf.py: what a worker does once the app is loaded."""

import gc
import runpy
from pathlib import Path

from django.conf import settings


def test_a_worker_freezes_what_loading_the_app_created_so_collections_skip_it():
    conf = runpy.run_path(str(Path(settings.BASE_DIR) / "deploy" / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        conf["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
