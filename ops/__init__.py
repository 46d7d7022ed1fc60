"""Operations: Prometheus metrics (/metrics), structured JSON logs with request and task ids.
A top-level package that may import every app (docs/deployment.md)."""
