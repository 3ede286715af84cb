"""The gbdt family (XGBoost gradient-boosted trees over the flattened window) as a plug-in: the
description's features in a window per key or a global one, flattened to steps x features inputs with
padded steps missing; one label per row. --max-windows caps the training windows; --epochs does not
apply (early stopping on the validation split picks the number of trees)."""
from fraudscore_trainer.families import Family, register
from fraudscore_trainer.families.gbdt import export, golden
from fraudscore_trainer.families.gbdt.card import network_text
from fraudscore_trainer.families.gbdt.pipeline import fit


def model_bytes(name, description_text, result, provenance):
    return export.model_bytes(name, description_text, result["spec"], result["model"], result["risk"], provenance)


def write_golden(path, result, rows):
    return golden.write_golden(path, result["model"], result["spec"], result["risk"], rows)


def probabilities(result, rows):
    return golden.probabilities(result["model"], result["spec"], result["risk"], rows)


FAMILY = register(Family(name="gbdt", summary="XGBoost gradient-boosted trees over each row's flattened window, "
                         "with TreeSHAP reasons", window_modes=("per_key", "global"), fit=fit,
                         model_bytes=model_bytes, write_golden=write_golden, network_text=network_text,
                         probabilities=probabilities, trains_in_epochs=False))
