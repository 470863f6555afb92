"""Page loaders of the public dashboard: home, priorities, measures, departments, methodology."""
