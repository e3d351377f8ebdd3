"""The webhook listener, one job per module.

`app` serves (aiohttp app and lifecycle), `gate` admits a request (allow list, size, the
pure `core.alerts.admission.admit`, then the rate limit of the sender's bucket), `replies`
turns the engine's answer into HTTP, `health` is the /health view, `rate_limit` and
`addresses` are the small parts they share. `tmtui.services.webhook_listener` is the entry
module the rest of tmtui imports.
"""
