"""Build the deck: `python build.py --help` lists the options."""
import sys

from bdl_demo.build.cli import main

if __name__ == "__main__":
    sys.exit(main())
