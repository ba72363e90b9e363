"""Shared by the plotting scripts: find a Python that has their modules, and report errors in
one line instead of a traceback."""
import os
import sys

SYSTEM_PYTHON = "/usr/bin/python3"


def need_plotting_modules(tool):
    """Imports h5py, numpy and matplotlib, or re-runs the script with Debian's python3 when the
    running interpreter (a pyenv or venv one, say) lacks them, or exits with what to install."""
    try:
        import h5py  # noqa: F401
        import matplotlib  # noqa: F401
        import numpy  # noqa: F401
        return
    except ImportError as e:
        missing = e.name or str(e)
    here = os.path.realpath(sys.executable or "")
    if os.path.exists(SYSTEM_PYTHON) and here != os.path.realpath(SYSTEM_PYTHON) and \
            not os.environ.get("MIXBO_PLOT_REEXEC"):
        os.environ["MIXBO_PLOT_REEXEC"] = "1"
        os.execv(SYSTEM_PYTHON, [SYSTEM_PYTHON, sys.argv[0]] + sys.argv[1:])
    sys.exit(f"{tool}: this Python ({sys.executable}) lacks {missing}; install python3-h5py "
             "python3-numpy python3-matplotlib (scripts/install-deps.sh) and run it with "
             f"{SYSTEM_PYTHON}")


def one_line_errors(tool, main):
    """Runs main(); a missing or unreadable file ends in one line on stderr and exit code 1."""
    try:
        main()
    except (OSError, KeyError, ValueError) as e:
        sys.exit(f"{tool}: error: {e}")
