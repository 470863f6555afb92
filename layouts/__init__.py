"""Pure layout builders: a view model in, Dash components out. No queries, no callbacks."""
