"""Alerts: lists, acknowledgement, the live stream, and where a unit's alerts are sent."""
