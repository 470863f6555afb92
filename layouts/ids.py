"""Component ids shared by layouts and callbacks; no id string is typed twice."""

SKIP_TARGET = "main-content"
NAVBAR = "site-navbar"
PERIOD_SELECT = "period-select"
