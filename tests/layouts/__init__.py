"""Tests of the layout builders: view models in, Dash components out."""
