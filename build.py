"""Build the deck: `python build.py --help` lists the options (the same command as `bdl-demo`)."""
import sys

from bdl_demo.cli import main

if __name__ == "__main__":
    sys.exit(main())
