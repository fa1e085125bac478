"""Helpers the test suite shares, imported by the conftests, the tests, the benchmarks and the loopback cluster
(never by app/): skips (skip_or_fail), net (free ports, waiting on a condition), browser (signing in a phone)."""

PASSWORD = "matkhau123"  # every user the test factory makes signs in with this
