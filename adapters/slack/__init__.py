"""Slack: Block Kit rendering, payload translation at the edge, and the bolt app that posts and listens."""
