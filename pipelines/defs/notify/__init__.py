"""Notifications: alert changes sent to Slack, JSON webhooks and e-mail, once each (docs/notifications.md)."""
