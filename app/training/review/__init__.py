"""Live review: a trainer coaches a trainee on a real live from its replay, with notes on the timeline and a rubric."""
