"""Shared pieces: vocabulary, audit log, access control, home pages, errors."""
