"""The AIM domain: data model, fiscal periods, status rules, services and the command line.

Nothing in this package imports Dash; the web layer (layouts/, callbacks/, api/) builds on it.
"""
