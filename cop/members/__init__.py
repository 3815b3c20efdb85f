"""Members: working groups, people, and (later) organisations, regions and memberships."""
