"""The frozen ``sadec-desk`` (console): the command line, as ``python -m sadec_desk``."""

import sys

from sadec_desk.cli import main

sys.exit(main())
