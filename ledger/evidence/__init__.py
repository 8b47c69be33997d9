"""Verifiable evidence: the global Merkle log, signed checkpoints and proofs (DESIGN.md 5)."""
