"""Resolve class names found in an upload (class folders, CSV label column, JSONL labels and spans)."""

from __future__ import annotations

from projects import services
from projects.models import AnnotationKind, LabelClass, Project
from projects.uploads.names import clean_name
from projects.uploads.report import Code, Rejected

# Colours for classes an upload creates: Tableau 10, distinct and readable on images.
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
MAX_CLASS_NAME_CHARS = 100  # LabelClass.name's max_length

KIND_NAMES = {
    AnnotationKind.IMAGE_CLASS: "image classification",
    AnnotationKind.TEXT_CLASS: "text classification",
    AnnotationKind.TEXT_SPAN: "text spans",
}


class ClassResolver:
    """Looks class names up in the project's schema, creating missing ones only when asked to."""

    def __init__(self, project: Project, *, create_missing: bool) -> None:
        self.project = project
        self.create_missing = create_missing
        self.classes = {label_class.name: label_class for label_class in project.classes.all()}

    def resolve(self, raw_name: str, kind: AnnotationKind) -> str:
        """The class's name in the schema, or Rejected naming the class and what to do."""
        if kind not in self.project.kinds:
            raise Rejected(
                Code.WRONG_KIND,
                f"this project does not use {KIND_NAMES[kind]}, so the label {raw_name!r} cannot be imported; "
                f"add the {kind.value!r} kind to the project first",
            )
        name = clean_name(raw_name)
        label_class = self.classes.get(name)
        if label_class is None:
            label_class = self._create(name)
        if not label_class.allows(kind):
            raise Rejected(Code.UNKNOWN_CLASS, f"class {name!r} is not enabled for {KIND_NAMES[kind]}")
        return label_class.name

    def _create(self, name: str) -> LabelClass:
        if not self.create_missing:
            raise Rejected(
                Code.UNKNOWN_CLASS,
                f"class {name!r} is not in the project's schema; add it first or upload again with create_classes=true",
            )
        if not name or len(name) > MAX_CLASS_NAME_CHARS:
            raise Rejected(Code.INVALID, f"class name {name!r} must have 1 to {MAX_CLASS_NAME_CHARS} characters")
        try:
            label_class = services.create_class(
                project=self.project, name=name, color=PALETTE[len(self.classes) % len(PALETTE)]
            )
        except services.ConflictError:
            # Created meanwhile by someone else: use theirs.
            label_class = LabelClass.objects.get(project=self.project, name=name)
        self.classes[name] = label_class
        return label_class
