"""Allow ``python -m fmnist``."""

from fmnist.cli import main

raise SystemExit(main())
