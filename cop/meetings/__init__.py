"""Meetings: the twice-yearly cycle of plenaries and every other gathering."""
