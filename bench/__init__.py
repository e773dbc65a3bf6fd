"""``make bench``: what petitionflow's layers cost on top of bare Temporal, measured against a
bare-Temporal baseline in the same run (``python -m bench.run``; see ``bench/run.py``)."""
