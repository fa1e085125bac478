"""Practice live: a private sandbox live where simulated buyers comment, and the score card that follows."""
from . import models  # noqa: F401
