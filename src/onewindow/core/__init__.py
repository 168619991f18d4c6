"""Shared kernel: validators, crypto, audit trail, errors. Imports no other OneWindow app."""
