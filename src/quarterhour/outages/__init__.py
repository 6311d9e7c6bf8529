"""Outages (停电) and the supply network customer service needs (feeders 线路, transformer
areas 台区, which premises each supplies): planned, temporary and fault outages with their
notices and lifecycle, and whether a caller's premises lie in one (issue 14)."""
