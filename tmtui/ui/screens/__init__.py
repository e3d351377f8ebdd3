"""The screens: the dashboard, the confirmation modal and the key help."""
