"""Mail: the outbox every service writes to, and the command that sends it."""
