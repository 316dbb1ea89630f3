"""Hooks for the schemathesis run of .ci/schemathesis/run."""
