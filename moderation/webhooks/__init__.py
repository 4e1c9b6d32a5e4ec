"""Outbound webhooks: signed JSON to admin-configured endpoints, delivered through an outbox with retries."""
