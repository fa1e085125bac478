"""Shared mechanisms used by every feature: money, text, phones, addresses, storage, images."""
