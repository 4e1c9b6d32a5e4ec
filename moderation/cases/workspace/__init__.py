"""The agent workspace in the Wagtail admin: queues, the case page, agent load, and the back-office
screens for macros, SLA policies, business calendars and agents."""
