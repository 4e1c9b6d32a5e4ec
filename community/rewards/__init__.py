"""Reputation, privileges, badges, ranks, leaderboards, the superuser programme and rewards.

A Django app of its own (label ``rewards``) inside `community/`: it builds on the community's models and
events, and nothing in the rest of `community` imports it — it contributes through the registries
(`community.standing` privilege providers, `portal.extensions` page sections and member annotations,
`portal.events` subscriptions) in its `AppConfig.ready()`.
"""
