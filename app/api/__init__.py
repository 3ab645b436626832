"""The HTTP layer: schemas, routers, error handlers and encoding."""
