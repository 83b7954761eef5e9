"""The embedded stack and the ``ductwork`` CLI: the Temporal dev server, the worker and the API
started as child processes (``ductwork up``), and migrations."""
