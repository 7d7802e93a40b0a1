"""Writes for augmentation: pipelines, previews, jobs and their chunks, one module per topic."""
