"""ImageFolder (torchvision's layout) for image classification: `<split>/<class>/<image>`.

An image with several classes (multi-class projects) is copied into each class's folder; images
without a class are left out (ImageFolder has no place for them). `classes.txt` lists every exported
class, also those without images, since an empty folder cannot be put in an ImageFolder tree (torchvision
refuses empty class folders). The format is made of images, so it always includes them.
"""

from __future__ import annotations

from collections.abc import Iterator

from exchange.formats.base import (
    Chunks,
    ExportContext,
    ImportedAnnotation,
    ImportedItem,
    ImportInput,
    OutFile,
    ParsedImport,
    Problem,
)
from exchange.records import ClassRecord, ItemRecord, safe_folder_name, split_folder, split_from_folder

MEDIA = "image"


def label_files(ctx: ExportContext, chunks: Chunks) -> Iterator[OutFile]:
    yield OutFile("classes.txt", ["".join(f"{c.name}\n" for c in ctx.classes).encode("utf-8")])
    # Labels are the folders: the images pass (image_paths) writes them.
    for _ in chunks:
        pass


def image_paths(item: ItemRecord, classes: dict[int, ClassRecord]) -> list[str]:
    folders = sorted(
        {
            safe_folder_name(classes[region.class_id].name)
            for region in item.regions()
            if region.kind == "image_class" and region.class_id in classes
        }
    )
    return [f"{split_folder(item.split)}/{folder}/{item.file_name}" for folder in folders]


def parse(source: ImportInput) -> ParsedImport:
    parsed = ParsedImport()
    for path, data in sorted(source.files.items()):
        if path.rsplit("/", 1)[-1] == "classes.txt":
            for line in data.decode("utf-8", "replace").splitlines():
                if line.strip():
                    parsed.declared_classes.setdefault(line.strip(), "")
    by_image: dict[str, ImportedItem] = {}
    for path in sorted(source.image_paths):
        parts = path.split("/")
        if len(parts) < 2:
            parsed.problems.append(Problem(path, "", "An ImageFolder image must be inside a class folder."))
            continue
        label, split = parts[-2], None
        if len(parts) >= 3:
            split = split_from_folder(parts[-3])
        name = parts[-1]
        # The same image in several class folders is one item with several classes.
        key = f"{split}/{name}"
        item = by_image.get(key)
        if item is None:
            item = ImportedItem(
                file=path, where="", kind="image", name=path, split=split, annotations=[ImportedAnnotation()]
            )
            by_image[key] = item
            parsed.items.append(item)
        item.annotations[0].regions.append({"class_name": label, "kind": "image_class", "_where": path})
    if not by_image:
        parsed.problems.append(Problem("", "", "No images in class folders found in the ZIP.", "no_labels"))
    return parsed
