"""Layer 8 · audit: findings on the existing subscriptions of many communes."""
