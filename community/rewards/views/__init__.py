"""Views of the rewards app (one module per area: leaderboard, badges, privileges, profile, catalogue)."""
