"""Public views of support cases (escalation buttons on the question page, the customer's case pages)."""
