"""Slipway's Python worker: runs notebooks (papermill + ipykernel) for the gateway, out of process."""
