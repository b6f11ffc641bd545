"""Demo and synthetic data: everything Knooppunt makes up, in one place.

- `demo/`: the demo registry, logins, partner profiles and guides (`knooppunt demo`);
  `demo_load()` calls one loader per domain, in data-flow order.
- `generate/`: a synthetic national registry in the interchange format, for benchmarks
  (`knooppunt generate`, plain Python), and `generate/load.py`, which loads it into the
  database through the registry import.
- `planted.py`: a partner network with planted structure for the matcher's evaluation
  (`knooppunt evaluate-matching synthetic`, pure numpy).
- `data/`: the tables all of them draw from (names, words, places, templates, weights) as
  CSV and JSON files, read by `tables.py`; see `data/README.md`.

This package sits on top of every app: it may import any of them, none imports it
(except `evaluate-matching`, which builds the planted network when asked for it).
"""
