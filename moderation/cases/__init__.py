"""Support cases: escalation of unresolved questions, SLA policies and business-hours calendars, assignment,
the agent workspace, macros, the customer's case pages and CSAT/CES/NPS surveys (ARCHITECTURE.md)."""
