"""Envelopes, the data key and its wrappings, and the people who sign."""
