"""`python -m eks_sg_rule` is the `eks-sg-rule` command."""

import sys

from .cli import main

sys.exit(main())
