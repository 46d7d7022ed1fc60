"""The ward web app (issue 6): server-rendered pages and htmx partials over the same services,
selectors and role rules as the REST API."""
