"""Portal adapters: the interface the engine needs (base.py) and its two implementations,
the reference portal client (reference.py) and the provincial gateway (gateway/)."""
