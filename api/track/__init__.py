"""The petitioner online: one-time codes by SMS, rating and review requests with them."""
