"""What the Dash callbacks (callbacks/) and the Flask routes (api/) both need from the web server,
below both so that neither imports the other: the request context (web/context.py), the public
cache (web/public_cache.py) and compression (web/compression.py)."""
