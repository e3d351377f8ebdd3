"""The alert formats of the bridges traders already use, read as their bridges document them.

Pure: no I/O. `tmtui.core.alerts.alert_parsing` is the entry point; these modules hold its parts:
the words each bridge uses (`vocabulary`), the JSON and text forms (`json_form`,
`text_forms`), the field names (`field_names`), the checks on each value (`field_checks`) and
the masking of secrets (`redaction`).
"""
