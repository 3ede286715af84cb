"""The gbdt model file: the trees' node arrays under their schemas/README.md names, GbdtConfig, and
schema 1.4 (the oldest reader with Int32 tensors and GbdtConfig)."""
from fraudscore_trainer.modelfile import export, schema_gen
from fraudscore_trainer.families.gbdt.trees import tree_arrays

SCHEMA_MINOR = 4
NODE_ARRAYS = ("first_node", "left", "right", "feature", "default_left", "threshold", "value", "cover")


def tensors(arrays) -> dict:
    """name -> array: trees.first_node [trees + 1] and the Int32 / Float32 node arrays [N]."""
    return {f"trees.{name}": arrays[name] for name in NODE_ARRAYS}


def arch_config(arrays) -> dict:
    return {"trees": arrays["trees"], "max_depth": arrays["max_depth"], "base_margin": float(arrays["base_margin"])}


def kind():
    return int(schema_gen.submodule("ModelKind").ModelKind.Gbdt)


def model_bytes(name, description, spec, booster, risk, provenance) -> bytes:
    arrays = tree_arrays(booster, spec.window_length * len(spec.features))
    return export.build_model_bytes(name, description, spec, arch_config(arrays), tensors(arrays), risk, provenance,
                                    kind=kind(), arch_type="GbdtConfig", min_minor=SCHEMA_MINOR)
