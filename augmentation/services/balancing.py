"""How many copies each selected item gets, so rare classes catch up with the others.

The rule, exactly:

1. `count[c]` is how often class c occurs in the selection: one per region of class c in each item's chosen
   annotation (an image or text class is one region, so for classification this is the number of items).
2. Every item starts with `copies_per_item` copies. The expected output tally of a class is
   `tally[c] = count[c] * (copies_per_item + (1 if originals are included else 0))`.
3. The target T is the balance's `target` ({"mode": "count", "target": N}) or, with {"mode": "max"}, the
   largest starting tally.
4. Classes are visited once each, rarest first (starting tally, then class id). While a class is below T, its
   items (those with a region of it, in item id order) get one more copy each in turn; each extra copy adds all
   of that item's regions to the tallies (so co-occurring classes rise too). An item never gets more than
   AUGMENTATION_MAX_COPIES_PER_ITEM copies; a class whose items are all at that cap stays below T and is
   reported in `unreached`.

Tallies count labels as the source has them: an augmentation that crops an object away makes the real count
a little lower, which is why the plan calls them expected.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass
class BalancePlan:
    copies: list[int]
    target: int | None = None
    before: dict[int, int] = field(default_factory=dict)
    after: dict[int, int] = field(default_factory=dict)
    unreached: list[int] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "balance_target": self.target,
            "expected_before": {str(k): v for k, v in sorted(self.before.items())},
            "expected_after": {str(k): v for k, v in sorted(self.after.items())},
            "unreached": self.unreached,
        }


def plan_copies(
    class_counts: Sequence[Mapping[int, int]],
    *,
    copies_per_item: int,
    include_originals: bool,
    balance: Mapping[str, Any] | None,
    max_copies: int,
) -> BalancePlan:
    """Copies per item; `class_counts[i]` maps class id -> regions of that class in item i."""
    copies = [copies_per_item] * len(class_counts)
    per_copy: Counter[int] = Counter()
    for counts in class_counts:
        per_copy.update(counts)
    factor = copies_per_item + (1 if include_originals else 0)
    tally = {class_id: count * factor for class_id, count in per_copy.items()}
    before = dict(tally)
    if not balance or not tally:
        return BalancePlan(copies=copies, before=before, after=dict(tally))
    target = int(balance["target"]) if balance.get("mode") == "count" else max(tally.values())
    holders: dict[int, list[int]] = {class_id: [] for class_id in tally}
    for position, counts in enumerate(class_counts):
        for class_id, count in counts.items():
            if count > 0:
                holders[class_id].append(position)
    unreached = []
    for class_id in sorted(tally, key=lambda c: (before[c], c)):
        items = holders[class_id]
        while tally[class_id] < target:
            open_items = [position for position in items if copies[position] < max_copies]
            if not open_items:
                unreached.append(class_id)
                break
            for position in open_items:
                if tally[class_id] >= target:
                    break
                copies[position] += 1
                for other, count in class_counts[position].items():
                    tally[other] += count
    return BalancePlan(copies=copies, target=target, before=before, after=dict(tally), unreached=unreached)
