"""Builders of the public dashboard's pages: home, priorities, measures, departments, methodology."""
