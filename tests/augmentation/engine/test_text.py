"""Text transforms keep spans on their words; synonyms from WordNet and a Spanish thesaurus; templates."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from augmentation.engine import (
    Pipeline,
    PipelineError,
    Resources,
    TemplateSet,
    TextSample,
    Thesaurus,
    ThesaurusError,
    WordNetSynonyms,
    generate_from_templates,
    parse_thesaurus_csv,
    validate_templates,
)
from augmentation.engine.text.noise import keyboard_typo, ocr_confusion
from augmentation.engine.text.units import join_units, split_units

NEWS = TextSample.create(
    "Maria Lopez reported a fire in New York yesterday. The crew arrived quickly! Everyone was safe.",
    label="news",
    spans=[(0, 11, "PER"), (31, 39, "LOC")],
)
SPANISH_THESAURUS = """# sinónimos del proyecto
word,synonyms
rápido,veloz;ligero
casa,hogar;vivienda
"coche",auto;automóvil
"""


def run(step: dict, sample: TextSample, seed: int = 0, resources: Resources | None = None) -> TextSample:
    return Pipeline.from_config({"steps": [step]}, resources=resources)(sample, rng=np.random.default_rng(seed))


def test_units_rebuild_the_exact_text_and_keep_multi_word_spans_whole():
    units = split_units(NEWS)
    assert join_units(units) == NEWS
    assert [unit.text for unit in units.units][:7] == [
        "Maria Lopez",
        "reported",
        "a",
        "fire",
        "in",
        "New York",
        "yesterday",
    ]


def test_a_span_inside_a_word_widens_its_unit_to_the_whole_word():
    sample = TextSample.create("unhappy people", spans=[(2, 7, "EMO")])
    units = split_units(sample)
    assert units.units[0].text == "unhappy" and units.units[0].spans == ((2, 7, "EMO"),)
    assert join_units(units) == sample


def test_deleting_a_span_drops_the_span_and_keeps_the_rest_aligned():
    out = run({"type": "RandomDeletion", "probability": 0.4}, NEWS, seed=2)
    assert out.text == "a in New York. arrived quickly! was safe."
    assert [(span.start, span.end, span.label) for span in out.spans] == [(5, 13, "LOC")]


def test_deletion_can_be_told_to_keep_spans():
    for seed in range(20):
        out = run({"type": "RandomDeletion", "probability": 0.9, "delete_spans": False}, NEWS, seed)
        assert out.span_texts() == NEWS.span_texts()


def test_swap_moves_a_multi_word_span_as_one_piece():
    out = run({"type": "RandomSwap", "fraction": 0.5}, NEWS, seed=1)
    assert sorted(out.span_texts()) == sorted(NEWS.span_texts()) and out.text != NEWS.text
    assert sorted(out.text) == sorted(NEWS.text)  # the same characters, moved


def test_sentence_shuffle_reorders_whole_sentences():
    out = run({"type": "SentenceShuffle"}, NEWS, seed=2)
    assert out.text != NEWS.text
    original = {"Maria Lopez reported a fire in New York yesterday.", "The crew arrived quickly!", "Everyone was safe."}
    assert {part.strip() for part in out.text.replace("! ", "!|").replace(". ", ".|").split("|")} == original
    assert out.span_texts() == NEWS.span_texts()


def test_keyboard_typos_use_neighbouring_keys_and_ocr_confusions_use_lookalikes():
    rng = np.random.default_rng(0)
    typo = keyboard_typo("cat", rng)
    changed = [(a, b) for a, b in zip("cat", typo, strict=True) if a != b]
    assert len(changed) == 1 and changed[0] in {("c", x) for x in "xdfv"} | {("a", x) for x in "qwsxz"} | {
        ("t", x) for x in "r56yghf"
    }
    assert ocr_confusion("modern", np.random.default_rng(1)) in {"rnodern", "modem", "m0dern", "modcrn", "rnodem"} | {
        "modern".replace(a, b, 1) for a, b in [("o", "0"), ("e", "c"), ("d", "cl"), ("rn", "m"), ("m", "rn")]
    }


def test_character_noise_never_touches_span_words():
    for seed in range(10):
        out = run({"type": "CharacterNoise", "probability": 1.0}, NEWS, seed)
        assert out.span_texts() == NEWS.span_texts() and out.text != NEWS.text


def test_token_masking_masks_about_the_requested_share_of_words():
    text = TextSample.create(" ".join(f"word{i}" for i in range(400)))
    out = run(
        {"type": "TokenMasking", "probability": 0.15, "random_word_probability": 0.0, "keep_probability": 0.0}, text
    )
    assert 40 <= out.text.split().count("[MASK]") <= 80


def test_wordnet_gives_english_synonyms_from_the_folder_handed_in(nltk_data):
    synonyms = WordNetSynonyms(nltk_data).synonyms("quick")
    assert "speedy" in synonyms and "quick" not in synonyms


def test_synonym_replacement_with_wordnet_keeps_spans_and_function_words(wordnet_resources):
    out = run({"type": "SynonymReplacement", "fraction": 1.0}, NEWS, resources=wordnet_resources)
    assert out.span_texts() == NEWS.span_texts()
    assert out.text != NEWS.text and " a " in out.text and " in " in out.text


def test_a_missing_wordnet_folder_is_a_clear_error(tmp_path):
    with pytest.raises(PipelineError, match="WordNet is not installed in"):
        Pipeline.from_config({"steps": [{"type": "SynonymReplacement"}]}, resources=Resources(nltk_data=tmp_path))


def test_spanish_thesaurus_replaces_words_both_ways_and_keeps_case():
    thesaurus = parse_thesaurus_csv(SPANISH_THESAURUS, language="es")
    assert thesaurus.synonyms("Rápido") == ["veloz", "ligero"]
    assert thesaurus.synonyms("veloz") == ["rápido", "ligero"]  # made symmetric
    sample = TextSample.create("Coche rápido llegó a la casa de Ana.", spans=[(32, 35, "PER")])
    resources = Resources(thesauri={"es": thesaurus})
    out = run(
        {"type": "SynonymReplacement", "fraction": 1.0, "source": "thesaurus", "language": "es"},
        sample,
        resources=resources,
    )
    words = out.text.rstrip(".").split()
    assert words[0] in {"Auto", "Automóvil"} and words[1] in {"veloz", "ligero"} and words[5] in {"hogar", "vivienda"}
    assert out.span_texts() == [("Ana", "PER")]


def test_random_insertion_adds_thesaurus_synonyms_between_units():
    resources = Resources(thesauri={"es": parse_thesaurus_csv(SPANISH_THESAURUS)})
    sample = TextSample.create("La casa de Ana es grande.", spans=[(11, 14, "PER")])
    out = run(
        {"type": "RandomInsertion", "fraction": 1.0, "source": "thesaurus", "language": "es"}, sample, 4, resources
    )
    assert len(out.text.split()) == 7 and ("hogar" in out.text or "vivienda" in out.text)
    assert out.span_texts() == [("Ana", "PER")]


def test_thesaurus_csv_errors_name_each_bad_row():
    with pytest.raises(ThesaurusError) as raised:
        parse_thesaurus_csv("word,synonyms\ncasa\nbuen día,hola\nperro,\n")
    assert raised.value.problems == [
        "row 2: expected 2 columns (word,synonym1;synonym2), got 1",
        "row 3: the headword must be a single word, got 'buen día'",
        "row 4: 'perro' has no synonyms",
    ]


def test_thesaurus_from_a_mapping_can_stay_one_way():
    thesaurus = Thesaurus.from_mapping({"grande": ["enorme"]}, symmetric=False)
    assert thesaurus.synonyms("grande") == ["enorme"] and thesaurus.synonyms("enorme") == []


def test_templates_fill_slots_and_label_each_value_as_a_span():
    template_set = TemplateSet.from_config(
        {
            "templates": ["{person} reported {event} in {place}.", "In {place}, {person} saw {event} {{live}}."],
            "slots": {"person": ["Ana Ruiz", "Bo"], "event": ["a fire", "a flood"], "place": ["Lima", "New York"]},
            "slot_labels": {"person": "PER", "place": "LOC"},
            "label": "incident",
        }
    )
    generated = generate_from_templates(template_set, 20, np.random.default_rng(0))
    assert len(generated) == 16  # every distinct combination, no duplicates
    for sample in generated:
        assert sample.label == "incident"
        assert [label for _, label in sample.span_texts()] in (["PER", "event", "LOC"], ["LOC", "PER", "event"])
        assert all(
            text in {"Ana Ruiz", "Bo", "a fire", "a flood", "Lima", "New York"} for text, _ in sample.span_texts()
        )
    assert any(sample.text.endswith("{live}.") for sample in generated)


def test_template_problems_name_the_template_and_the_missing_slot():
    problems = [str(p) for p in validate_templates({"templates": ["{who} ran", "{x"], "slots": {"what": []}})]
    assert problems == [
        "slots.what: must be a non-empty list of non-empty strings",
        "templates[0]: uses slot {who} that has no values (slots: what)",
        "templates[1]: is not a valid template: expected '}' before end of string",
    ]


TEXT_STEPS = [
    {"type": "RandomDeletion", "probability": 0.3},
    {"type": "RandomSwap", "fraction": 0.3},
    {"type": "SentenceShuffle"},
    {"type": "CharacterNoise", "probability": 0.5},
    {"type": "TokenMasking", "probability": 0.5},
    {"type": "SynonymReplacement", "fraction": 0.5, "source": "thesaurus", "language": "en"},
    {"type": "RandomInsertion", "fraction": 0.5, "source": "thesaurus", "language": "en"},
]
WORDS = st.sampled_from(["the", "quick", "fox", "ran", "far", "New", "York", "Ana", "said", "fast", "and", "then"])


@st.composite
def labelled_texts(draw) -> TextSample:
    words = draw(st.lists(WORDS, min_size=2, max_size=14))
    punctuation = draw(st.lists(st.sampled_from(["", "", ",", ".", "!"]), min_size=len(words), max_size=len(words)))
    text = " ".join(word + mark for word, mark in zip(words, punctuation, strict=True))
    starts = [index for index in range(len(text)) if text[index].isalpha() and (index == 0 or text[index - 1] == " ")]
    spans, taken_until = [], -1
    for start in draw(st.lists(st.sampled_from(starts), max_size=3, unique=True)):
        end = start + draw(st.integers(1, 12))
        if start > taken_until and end <= len(text) and text[start:end].strip() == text[start:end]:
            spans.append((start, end, draw(st.sampled_from(["PER", "LOC"]))))
            taken_until = end
    return TextSample.create(text, spans=sorted(spans))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(labelled_texts(), st.sampled_from(TEXT_STEPS), st.integers(0, 1000))
def test_text_edits_keep_every_surviving_span_on_the_same_words(sample, step, seed):
    resources = Resources(
        thesauri={"en": Thesaurus.from_mapping({"fox": ["vixen"], "fast": ["quick", "rapid"], "said": ["told"]})}
    )
    out = run(step, sample, seed, resources)
    before, after = Counter(sample.span_texts()), Counter(out.span_texts())
    assert not after - before  # no new or altered span text
    if step["type"] != "RandomDeletion":
        assert after == before  # only deletion may drop spans
    for span in out.spans:
        assert 0 <= span.start < span.end <= len(out.text)
