"""The bus layer: NATS JetStream connection, topology, publishing, consuming, settling."""
