"""The bus runtime: NATS JetStream connection and topology, partition ownership,
per-conversation consumers and settling, request/reply (RPC), heartbeats, health
and the runtime that assembles them for a service."""
