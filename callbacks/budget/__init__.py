"""Loaders and callbacks of the budget pages: the departments index and the analyst workbench."""
