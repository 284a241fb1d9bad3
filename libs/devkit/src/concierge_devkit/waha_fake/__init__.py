"""A local WAHA stand-in that validates requests against WAHA's published OpenAPI."""

from concierge_devkit.waha_fake.fake import Recorded, WahaFake, serve_fake

__all__ = ["Recorded", "WahaFake", "serve_fake"]
