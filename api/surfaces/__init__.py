"""One package per API surface: its routes and its request and response schemas."""
