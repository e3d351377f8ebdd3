"""The webhook listener's entry module: what the rest of tmtui imports to serve alerts.

The listener itself lives in `tmtui.services.listener`, one job per module (the app and its
lifecycle, admission, replies, /health, the rate limit, addresses); the decision whether a
request is an authentic alert is the pure `tmtui.core.alerts.admission.admit`.
"""

from __future__ import annotations

from tmtui.services.listener.app import IDLE_TIMEOUT_S, WebhookListener
from tmtui.services.listener.health import HEALTH_PROBLEM_KEY
from tmtui.services.listener.interfaces import AlertSink, ListenerSettings
from tmtui.services.listener.rate_limit import RateDecision, SlidingWindowLimiter
from tmtui.services.listener.replies import GENERIC_503

__all__ = [
    "GENERIC_503",
    "HEALTH_PROBLEM_KEY",
    "IDLE_TIMEOUT_S",
    "AlertSink",
    "ListenerSettings",
    "RateDecision",
    "SlidingWindowLimiter",
    "WebhookListener",
]
