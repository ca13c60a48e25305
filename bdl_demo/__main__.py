"""`python -m bdl_demo`: the same command as `bdl-demo`."""
import sys

from bdl_demo.cli import main

sys.exit(main())
