"""The livestream blueprint's pages (thin): live pages and the console (live), before and after a live (afterlive:
live cart, waitlist, follow, schedule, products, report), video (nginx-rtmp callbacks, HLS, stream keys, replays)."""
from . import afterlive, live, trust, video  # noqa: F401  (each registers its routes on the blueprint)
