"""The frozen ``sadec-desk-gui`` (windowed): the desktop app; what would go to stderr is
logged and shown in a dialog (sadec_desk/cli/windowed.py)."""

import sys

from sadec_desk.cli.windowed import main

sys.exit(main())
