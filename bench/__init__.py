"""hatui's benchmarks: snapshot latency, parse cost at scale, fan-out, live-mode cost and memory.

Run them with ``python -m bench`` (or ``bench/run_all.sh``); see ``bench/__main__.py``.
"""
