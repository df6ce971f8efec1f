"""Batch lookups: rows in, a plan and estimate, a resumable run, answers out in input order."""
