"""A running experiment's progress and cancel flag, kept in its database row (never in the task's memory)."""

from __future__ import annotations

from django.db.models import F

from experiments.models import Experiment

STAGE_CHARS = 200


class Cancelled(Exception):
    """The experiment was cancelled; the run stops before its next step."""


class Progress:
    def __init__(self, experiment_id: int) -> None:
        self.experiment_id = experiment_id

    def _check(self) -> None:
        if Experiment.objects.filter(pk=self.experiment_id, cancel_requested=True).exists():
            raise Cancelled

    def stage(self, text: str) -> None:
        """Say what the run does now; stops here when the experiment was cancelled."""
        self._check()
        Experiment.objects.filter(pk=self.experiment_id).update(stage=text[:STAGE_CHARS])

    def step(self) -> None:
        """One model fit (or one label set) done."""
        Experiment.objects.filter(pk=self.experiment_id).update(done=F("done") + 1)
        self._check()
