"""Fault drills: a loopback cluster behind nginx, broken on purpose while simulated buyers order."""
