"""Builders of the budget pages: the departments index, the budget sections of a department's
page and the analyst workbench."""
