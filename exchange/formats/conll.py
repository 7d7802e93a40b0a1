"""CoNLL with BIO tags for text spans.

Tokenisation: the regular expression `\\w+|[^\\w\\s]` over the Unicode text (Python's `re`, Unicode
word characters): a token is a run of letters, digits and underscores, or any single other
non-space character (so an emoji, or each code point of an emoji sequence, is its own token).
Offsets are Unicode code points.

Each text is a block: comment lines `# id = <item id>`, `# name = <name>` and `# text = <the text as a
JSON string>` (so the import can put spans back at their exact offsets), then one `token<TAB>tag` line per
token, then a blank line. Tags are `B-<class>` / `I-<class>` / `O`.

Spans whose edges fall inside a token tag every token they overlap, so they grow to token boundaries;
overlapping spans cannot be expressed in BIO, so a token keeps the first span's tag (by start). Both are
listed in `warnings.txt` with the item, span and what was done.
"""

from __future__ import annotations

import json
import re
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
    buffered,
    dumps,
    items_by_split,
)
from exchange.records import ItemRecord, split_folder, split_from_folder

MEDIA = "text"
TOKEN = re.compile(r"\w+|[^\w\s]")


def tokens(text: str) -> list[tuple[str, int, int]]:
    return [(match.group(), match.start(), match.end()) for match in TOKEN.finditer(text)]


def label_files(ctx: ExportContext, chunks: Chunks) -> Iterator[OutFile]:
    warnings: list[str] = []
    for split, items in items_by_split(chunks):
        yield OutFile(f"{split_folder(split)}.conll", buffered(_blocks(ctx, items, warnings)), large=True)
    if warnings:
        yield OutFile("warnings.txt", ["".join(warnings).encode("utf-8")])


def _blocks(ctx: ExportContext, items: Iterator[ItemRecord], warnings: list[str]) -> Iterator[str]:
    classes = ctx.class_by_id()
    for item in items:
        yield block(item, classes, warnings)


def block(item: ItemRecord, classes: dict, warnings: list[str]) -> str:
    words = tokens(item.text)
    tags = ["O"] * len(words)
    spans = sorted(
        (r.start or 0, r.end or 0, classes[r.class_id].name)
        for r in item.regions()
        if r.kind == "text_span" and r.class_id in classes
    )
    for start, end, name in spans:
        covered = [i for i, (_, token_start, token_end) in enumerate(words) if token_start < end and token_end > start]
        where = f"item {item.id} span {start}-{end} {name!r}"
        if not covered:
            warnings.append(f"{where}: covers no token (only spaces); left out\n")
            continue
        first, last = words[covered[0]], words[covered[-1]]
        if first[1] != start or last[2] != end:
            warnings.append(f"{where}: not on token boundaries; tagged as {first[1]}-{last[2]}\n")
        if any(tags[i] != "O" for i in covered):
            warnings.append(f"{where}: overlaps an earlier span; its tokens keep the earlier tag\n")
            covered = [i for i in covered if tags[i] == "O"]
        for position, index in enumerate(covered):
            tags[index] = ("B-" if position == 0 or covered[position - 1] != index - 1 else "I-") + name
    lines = [f"# id = {item.id}\n", f"# name = {_one_line(item.original_name)}\n", f"# text = {dumps(item.text)}\n"]
    lines.extend(f"{word}\t{tag}\n" for (word, _, _), tag in zip(words, tags, strict=True))
    lines.append("\n")
    return "".join(lines)


def _one_line(value: str) -> str:
    return value.replace("\r", " ").replace("\n", " ")


# --- import ---------------------------------------------------------------------------------------


def parse(source: ImportInput) -> ParsedImport:
    parsed = ParsedImport()
    documents = {
        p: d for p, d in sorted(source.files.items()) if p.lower().endswith((".conll", ".bio", ".iob", ".txt"))
    }
    documents = {p: d for p, d in documents.items() if p.rsplit("/", 1)[-1] != "warnings.txt"}
    if not documents:
        parsed.problems.append(Problem("", "", "No .conll file found in the upload.", "no_labels"))
    for path, data in documents.items():
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            parsed.problems.append(Problem(path, "", "Not UTF-8 text."))
            continue
        split = split_from_folder(path.rsplit("/", 1)[-1].rsplit(".", 1)[0])
        _parse_document(path, text, split, parsed)
    return parsed


def _parse_document(path: str, text: str, split: str | None, parsed: ParsedImport) -> None:
    block: list[tuple[int, str]] = []
    for number, line in enumerate([*text.splitlines(), ""], start=1):
        if line.strip():
            block.append((number, line))
        elif block:
            _parse_block(path, block, split, parsed)
            block = []


def _parse_block(path: str, block: list[tuple[int, str]], split: str | None, parsed: ParsedImport) -> None:
    where = f"line {block[0][0]}"
    comments: dict[str, str] = {}
    rows: list[tuple[int, str, str]] = []
    for number, line in block:
        if line.startswith("#"):
            key, _, value = line[1:].partition("=")
            comments[key.strip()] = value.strip()
        elif line.startswith("-DOCSTART-"):
            continue
        else:
            fields = line.split()
            if len(fields) < 2:
                parsed.problems.append(Problem(path, f"line {number}", "Expected a token and a tag."))
                return
            rows.append((number, fields[0], fields[-1]))
    if not rows:
        return
    text, offsets = _locate(path, where, comments.get("text"), [token for _, token, _ in rows], parsed)
    if text is None:
        return
    annotation = ImportedAnnotation()
    parsed.items.append(
        ImportedItem(
            file=path,
            where=where,
            kind="text",
            name=comments.get("name", ""),
            text=text,
            split=split,
            annotations=[annotation],
        )
    )
    current: tuple[str, int, int] | None = None
    for (number, _, tag), (start, end) in zip(rows, offsets, strict=True):
        prefix, _, name = tag.partition("-")
        if tag == "O" or prefix not in ("B", "I") or not name:
            if tag != "O":
                parsed.problems.append(
                    Problem(path, f"line {number}", f"Tag {tag!r} is not O, B-<class> or I-<class>.")
                )
            _close(current, annotation, path, where)
            current = None
            continue
        if prefix == "I" and current is not None and current[0] == name:
            current = (name, current[1], end)
        else:  # B-, or an I- that starts a span (IOB1 files)
            _close(current, annotation, path, where)
            current = (name, start, end)
    _close(current, annotation, path, where)


def _close(current: tuple[str, int, int] | None, annotation: ImportedAnnotation, path: str, where: str) -> None:
    if current is not None:
        name, start, end = current
        annotation.regions.append(
            {"class_name": name, "kind": "text_span", "start": start, "end": end, "_where": f"{path}:{where}"}
        )


def _locate(
    path: str, where: str, raw_text: str | None, words: list[str], parsed: ParsedImport
) -> tuple[str | None, list[tuple[int, int]]]:
    """The text and each token's offsets: found in order in `# text`, or the tokens joined by spaces."""
    if raw_text is None:
        text = " ".join(words)
        offsets, position = [], 0
        for word in words:
            offsets.append((position, position + len(word)))
            position += len(word) + 1
        return text, offsets
    try:
        text = json.loads(raw_text) if raw_text.startswith('"') else raw_text
    except ValueError as error:
        parsed.problems.append(Problem(path, where, f"# text is not a valid JSON string: {error}"))
        return None, []
    offsets, position = [], 0
    for word in words:
        found = text.find(word, position)
        if found < 0:
            parsed.problems.append(Problem(path, where, f"Token {word!r} is not in the text after offset {position}."))
            return None, []
        offsets.append((found, found + len(word)))
        position = found + len(word)
    return text, offsets
