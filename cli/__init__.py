"""The ``ductwork`` command: the operator's CLI over the API (and ``up``/``migrate`` locally)."""
