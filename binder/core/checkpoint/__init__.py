"""Witnessed checkpoints: a Merkle tree over every signed record, signed notes, proofs, time."""
