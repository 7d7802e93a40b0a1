"""Writes for annotations, the work queue, labelling time, reviews and predictions, one module per topic."""
