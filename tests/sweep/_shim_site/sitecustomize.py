# TEMPORARY: puts the training-core stand-in into subprocesses and Dask worker
# processes of the sweep tests until the training core lands.
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
try:
    import _training_shim

    _training_shim.install()
except ImportError:
    pass
