"""The Git push webhook receiver.

Git providers POST push events to ``/api/webhook``; gitopsd verifies them, works out the
repository and ref, and refreshes the Applications that follow it, so a commit is picked
up in seconds instead of at the next periodic refresh. The operator starts a
:class:`WebhookServer` whose ``on_push`` callback calls :func:`match_applications`.
"""

from gitopsd.webhook.events import Provider, PushEvent
from gitopsd.webhook.matching import AppRef, match_applications, revision_matches
from gitopsd.webhook.providers import detect_provider, parse_push
from gitopsd.webhook.ratelimit import RateLimit, TokenBuckets
from gitopsd.webhook.receiving import Outcome, ReceiverOptions, Reply, WebhookReceiver
from gitopsd.webhook.server import WEBHOOK_PATH, WebhookServer
from gitopsd.webhook.urls import normalize_repo_url
from gitopsd.webhook.verify import Verdict, WebhookSecrets, allowed_unsigned, verify_request

__all__ = [
    "WEBHOOK_PATH",
    "AppRef",
    "Outcome",
    "Provider",
    "PushEvent",
    "RateLimit",
    "ReceiverOptions",
    "Reply",
    "TokenBuckets",
    "Verdict",
    "WebhookReceiver",
    "WebhookSecrets",
    "WebhookServer",
    "allowed_unsigned",
    "detect_provider",
    "match_applications",
    "normalize_repo_url",
    "parse_push",
    "revision_matches",
    "verify_request",
]
