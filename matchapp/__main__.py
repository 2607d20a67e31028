import sys

from matchapp.cli import main

sys.exit(main())
