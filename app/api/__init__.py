"""The HTTP layer: routers (``routes/``), request and response bodies, the records that turn
the numerical core's results into responses, the cost model, errors, middleware and encoding."""
