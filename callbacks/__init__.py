"""Page loaders and callbacks: read inputs, open a session, call a service, hand the result to a
layout builder. Each stays about ten lines; the work is in aim/services and layouts/."""
