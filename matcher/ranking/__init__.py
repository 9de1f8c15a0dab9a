"""Ranking: partner suggestions, text search and need matching over one shared hybrid of
score components (matcher.ranking.hybrid), computed for every organisation at once."""
