"""The `workstation` program: with a command, the command line; without one, the window.

The one module above both the window and the command line (the import contracts
keep the CLI from importing Qt), so it hands the CLI the way to open the window.
"""

from __future__ import annotations

import sys


def open_window(data_dir: str | None) -> int:
    from .ui.app import run

    return run(data_dir)


def main(argv: list[str] | None = None) -> int:
    from .cli import main as run_command

    return run_command(argv, window=open_window)


if __name__ == "__main__":
    sys.exit(main())
