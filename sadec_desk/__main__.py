import sys

from sadec_desk.cli import main

sys.exit(main())
