from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _plain_static_files(settings):
    """Tests run with DEBUG off and no `collectstatic`, so the manifest storage has no manifest to read."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def augmented(project, manager):
    """An augmentation job run through the real services: three labelled images, a flip, two copies each."""
    from augmentation.services import jobs
    from augmentation.services.pipelines import create_pipeline
    from projects.selectors import default_dataset, working_version
    from tests.augmentation.conftest import FLIP, add_image, annotate, box, run_job

    cat = project.classes.get(name="cat").pk
    sources = []
    for seed in range(3):
        item = add_image(project, seed=seed, name=f"street-{seed}.jpg")
        annotate(item, [box(cat, 4 + seed, 6, 20, 10)])
        sources.append(item)
    pipeline = create_pipeline(project=project, user=manager, name="mirror", config=FLIP)
    job = run_job(jobs.launch_job(project=project, user=manager, pipeline=pipeline, copies_per_item=2, seed=11))
    return {
        "working": working_version(default_dataset(project)),
        "version": job.output_version,
        "job": job,
        "sources": sources,
        "outputs": list(job.output_version.items.filter(source_item__isnull=False).order_by("id")),
    }
