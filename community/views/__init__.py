"""Community views, split by page: lists, the question page, actions on posts, and the ask form."""
