"""The intent parser: its state and shared lookups (base), one mixin per family of passes, and
the parser that runs them in order (parser)."""
