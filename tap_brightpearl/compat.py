"""What differs between the Python versions the tap supports (3.10 and later), in one place."""

import sys

if sys.version_info >= (3, 12):
    from typing import override
else:
    from typing_extensions import override

__all__ = ["override"]
