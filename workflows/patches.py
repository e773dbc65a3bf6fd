"""Workflow patches: each marks where running cases' histories part from new behaviour, so both
replay (tests/workflows/test_replay.py keeps a history generation for each)."""

SEARCH_ATTRIBUTES_PATCH = "search-attributes-v1"
SETTLED_PROJECTION_PATCH = "settled-projection-v1"
# The outbox written in batches: one activity for all that is pending, not one per item.
# (Local activities for deadlines were tried and dropped: a workflow task lost while the server
# was down then replayed non-deterministically — tests/faults/test_server_restart.py.)
BATCHED_OUTBOX_PATCH = "batched-outbox-v1"
# The law on every path (docs/domain.md): whole-day recounts after a pause or an extension,
# statutory periods that never restart on escalation (a supervision window instead), the review
# chain up the tree, forwarding anew and capped, and no due time, risk or lateness published
# while a clock stands still.
LAW_PATCH = "law-every-path-v1"
# Deadlines computed in the workflow from the calendar snapshot it carries (no activity on the
# path of a registration or an action), and the clock timer kept while the next due instant
# stays the same (an action no longer cancels and restarts it).
INLINE_CLOCKS_PATCH = "inline-clocks-v1"
# 督办单: a breach at the top unit issues an automatic supervision order (its own clock) beside
# the supervision alert.
SUPERVISION_ORDERS_PATCH = "supervision-orders-v1"
# The reply (review opinion) starts a delivery clock (送达); the petitioner's window runs from the
# day it is delivered, no longer from the reply itself.
DELIVERY_PATCH = "delivery-clock-v1"
# 集体访 (severity group) raise a ``collective`` alert at registration.
COLLECTIVE_ALERT_PATCH = "collective-alert-v1"
