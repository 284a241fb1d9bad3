"""The wire contracts: bus messages (msgspec), RPC requests and views, problem bodies.

Every service speaks these types, and only these, to every other service.
"""
