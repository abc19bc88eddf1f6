"""The command line: argparse parsers and the commands, thin layers over the library."""

from evalkit.cli.main import main

__all__ = ["main"]
