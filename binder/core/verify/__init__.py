"""Checking stored history, and comparing it with what an earlier export saw."""
