"""The validation curve: hand-checkable numbers, the JSON layout and the card section."""
import json
import tempfile
import unittest
from pathlib import Path


from fraudscore_trainer.evaluation import validation_curve as ev
from fraudscore_trainer.families.crnn import validation_curve as vc

# Ten rows, four fraud. Probabilities and labels, highest first:
#   0.95 F, 0.90 F, 0.70 -, 0.60 F, 0.40 -, 0.30 F, 0.20 -, 0.10 -, 0.05 -, 0.00 -
P = [0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.6, 0.7, 0.9, 0.95]
Y = [0, 0, 0, 0, 1, 0, 1, 0, 1, 1]


class CurvePoints(unittest.TestCase):
    def setUp(self):
        self.points = ev.curve_points(Y, P, review_threshold=0.25, block_threshold=0.65)
        self.at = {pt["threshold"]: pt for pt in self.points}

    def test_grid_plus_marked_thresholds_sorted(self):
        self.assertEqual(len(self.points), 201)  # 0.25 and 0.65 are grid points: marked, not repeated
        thresholds = [pt["threshold"] for pt in self.points]
        self.assertEqual(thresholds, sorted(thresholds))
        self.assertEqual(thresholds[0], 0.0)
        self.assertEqual(thresholds[-1], 1.0)
        self.assertIn(0.005, thresholds)
        self.assertEqual(self.at[0.25]["mark"], "review")
        self.assertEqual(self.at[0.65]["mark"], "block")
        self.assertEqual(sum("mark" in pt for pt in self.points), 2)

    def test_hand_checked_values(self):
        # At 0: every row flagged.
        self.assertEqual(self.at[0.0], {"threshold": 0.0, "precision": 0.4, "recall": 1.0, "alert_rate": 1.0,
                                        "flagged": 10, "true_positives": 4})
        # Review 0.25: 0.3 and above -> 6 rows, 4 fraud.
        self.assertEqual(self.at[0.25]["flagged"], 6)
        self.assertEqual(self.at[0.25]["true_positives"], 4)
        self.assertEqual(self.at[0.25]["precision"], 0.666667)
        self.assertEqual(self.at[0.25]["recall"], 1.0)
        self.assertEqual(self.at[0.25]["alert_rate"], 0.6)
        # Block 0.65: 0.7, 0.9, 0.95 -> 3 rows, 2 fraud.
        self.assertEqual((self.at[0.65]["flagged"], self.at[0.65]["true_positives"]), (3, 2))
        self.assertEqual(self.at[0.65]["precision"], 0.666667)
        self.assertEqual(self.at[0.65]["recall"], 0.5)
        # ">=": a row exactly at the threshold is flagged (0.6 -> 4 rows, 3 fraud).
        self.assertEqual((self.at[0.6]["flagged"], self.at[0.6]["true_positives"]), (4, 3))
        self.assertEqual(self.at[0.6]["precision"], 0.75)
        # Above every probability: nothing flagged, precision null.
        self.assertEqual(self.at[1.0], {"threshold": 1.0, "precision": None, "recall": 0.0, "alert_rate": 0.0,
                                        "flagged": 0, "true_positives": 0})

    def test_coinciding_thresholds_are_one_point(self):
        points = ev.curve_points(Y, P, review_threshold=0.5, block_threshold=0.5)
        self.assertEqual(len(points), 201)
        self.assertEqual([pt["mark"] for pt in points if "mark" in pt], ["review+block"])

    def test_exact_thresholds_kept(self):
        points = ev.curve_points(Y, P, review_threshold=0.123456789, block_threshold=0.5)
        self.assertEqual(len(points), 202)
        at = {pt["threshold"]: pt for pt in points}
        self.assertEqual(at[0.123456789]["mark"], "review")  # full precision, between 0.12 and 0.125
        self.assertEqual((at[0.123456789]["flagged"], at[0.123456789]["true_positives"]), (7, 4))

    def test_boundary_note(self):
        # A fraud scored a rounding error below the review threshold is reported; a real miss is not.
        self.assertIsNone(vc.boundary_note(Y, P, 0.3, 0.95))
        note = vc.boundary_note(Y, P, 0.3 + 1e-7, 0.95)
        self.assertIn("counts 3 of 4 (75.00%) where the build counted 4 (100.00%)", note)
        self.assertIsNone(vc.boundary_note(Y, P, 0.35, 0.95))


class JsonAndCard(unittest.TestCase):
    def test_json_layout_and_card_section(self):
        data = ev.curve("crnn-x", "0123456789abcdef", Y, P, 0.25, 0.65, "cmd")
        with tempfile.TemporaryDirectory() as tmp:
            path = ev.write_json(Path(tmp) / "r" / "validation_curve.json", data)
            back = json.loads(path.read_text())
            self.assertEqual(back, json.loads(json.dumps(data)))
            self.assertEqual(list(back)[:8], ["model", "model_checksum", "split", "rows", "positives",
                                              "block_threshold", "review_threshold", "command"])
            self.assertEqual((back["rows"], back["positives"], back["split"]), (10, 4, "validation"))
            card = Path(tmp) / "card.md"
            card.write_text("# crnn-x\n\n## Thresholds and bands\nt\n\n## Known limits\n- a\n\n## Rebuild\nb\n")
            section = vc.card_section(data, "r/validation_curve.json")
            vc.insert_card_section(card, section)
            vc.insert_card_section(card, section)  # idempotent: replaces its own section
            text = card.read_text()
            self.assertEqual(text.count("## Validation curve"), 1)
            self.assertLess(text.index("## Thresholds"), text.index("## Validation curve"))
            self.assertLess(text.index("## Validation curve"), text.index("## Known limits"))
            self.assertIn("| `block` 0.65 | 3 | 30.00% | 66.67% | 50.00% |", text)
            self.assertIn("| `step_up` 0.25 | 6 | 60.00% | 66.67% | 100.00% |", text)
            self.assertIn("| 0.9 | 2 | 20.00% | 100.00% | 50.00% |", text)
            self.assertIn("(r/validation_curve.json)", text)

    def test_checksum_as_the_core_computes_it(self):
        from fraudscore_trainer.modelfile import export
        from fraudscore_trainer.modelfile import signing
        # The shipped file is a signed envelope: the checksum is the model's inside it.
        blob = signing.model_bytes(Path(__file__).resolve().parents[2].joinpath("models/crnn-on-device.fsmodel"))
        digest = ev.checksum_hex(blob)
        self.assertRegex(digest, r"^[0-9a-f]{16}$")
        self.assertEqual(int(digest, 16), int.from_bytes(blob[export.checksum_offset(blob):][:8], "little"))
        broken = bytearray(blob)
        broken[-1] ^= 1
        with self.assertRaises(ValueError):
            ev.checksum_hex(bytes(broken))


if __name__ == "__main__":
    unittest.main()
