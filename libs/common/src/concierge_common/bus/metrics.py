"""Prometheus metrics of the bus runtime: deliveries, capacity, publishing, connection.

Labels are bounded: service, flow, outcome. Never a conversation, a phone
number, a message id or a concrete subject.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

HANDLED = Counter(
    "concierge_bus_messages_handled_total",
    "Bus deliveries handled, by how they were settled (acked, retried, dead_lettered).",
    ["service", "flow", "outcome"],
)
HANDLE_SECONDS = Histogram(
    "concierge_bus_handle_duration_seconds",
    "Time spent handling one bus delivery, settling included.",
    ["service", "flow"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
IN_FLIGHT = Gauge(
    "concierge_bus_in_flight",
    "Bus deliveries whose handler is running right now.",
    ["service", "flow"],
)
CONCURRENCY = Gauge(
    "concierge_bus_concurrency",
    "How many handlers of this flow may run at once in one replica (BUS_CONCURRENCY).",
    ["service", "flow"],
)
MAILBOX_DEPTH = Gauge(
    "concierge_bus_mailbox_depth",
    "Deliveries held by this replica, waiting in their conversation's mailbox to start.",
    ["service", "flow"],
)
OLDEST_WAITING = Gauge(
    "concierge_bus_oldest_waiting_seconds",
    "Age of the delivery that has waited longest in a mailbox of this replica (0: none).",
    ["service", "flow"],
)
PARTITIONS_OWNED = Gauge(
    "concierge_bus_partitions_owned",
    "Partitions whose lease this replica holds.",
    ["service"],
)
PUBLISHED = Counter(
    "concierge_bus_published_total",
    "Publishes to JetStream, by result (stored, duplicate, failed).",
    ["flow", "result"],
)
PUBLISH_SECONDS = Histogram(
    "concierge_bus_publish_duration_seconds",
    "Time from publish to JetStream acknowledgement.",
    ["flow"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5),
)
DEAD_LETTERS = Counter(
    "concierge_bus_dead_letters_total",
    "Deliveries moved to the dead-letter stream.",
    ["service", "flow", "reason"],
)
LOOP_TICK = Gauge(
    "concierge_bus_loop_last_tick_timestamp_seconds",
    "Last time a pull loop of this service and flow completed a fetch (a stall detector).",
    ["service", "flow"],
)
FETCH_ERRORS = Counter(
    "concierge_bus_fetch_errors_total",
    "Pull loop errors other than the normal idle timeout.",
    ["service", "flow"],
)
BUS_CONNECTED = Gauge(
    "concierge_bus_connected",
    "1 while the NATS connection is up.",
    ["service"],
)
