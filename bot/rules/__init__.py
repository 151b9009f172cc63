"""Use cases per feature: records in, frozen records out; the only callers of storage."""
