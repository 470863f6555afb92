"""The Flask-level parts of the app: blueprints (the open data API, signing in) and the request
guards around every route (security headers, timing, the gate in front of Dash's callbacks)."""
