"""One module per target of `make bench`; see bench/harness.py for the contract."""
