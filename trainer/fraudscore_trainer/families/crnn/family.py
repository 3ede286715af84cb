"""The crnn family (Conv1D + BiLSTM + attention, "UPI Sentinel") as a plug-in:
events in a window per key or a global one, one label per event."""
from fraudscore_trainer.modelfile import export
from fraudscore_trainer.families.crnn import golden
from fraudscore_trainer.families.crnn.pipeline import run_spec
from fraudscore_trainer.families.crnn.training import TrainConfig
from fraudscore_trainer.families.torch_parts import checkpoint_path
from fraudscore_trainer.families import Family, register


def fit(data, spec, split, options, log):
    cfg = TrainConfig(epochs=options.epochs, seed=options.seed, progress=not options.no_progress,
                      threads=options.threads)
    return run_spec(data.frame, spec, data.y, split, cfg, tag=options.name, max_windows=options.max_windows, log=log,
                    policy=options.policy, checkpoint=checkpoint_path(options, data, "crnn.pt"))


def model_bytes(name, description_text, result, provenance):
    model = result["model"]
    return export.build_model_bytes(name, description_text, result["spec"], model.config, model.state_dict(),
                                    result["risk"], provenance)


def write_golden(path, result, rows):
    return golden.write_golden(path, result["model"], result["spec"], result["risk"], rows)


def probabilities(result, rows):
    return golden.expected_outputs(result["model"], result["spec"], result["risk"], rows)[1]


def network_text(result):
    c = result["model"].config
    return (f"Causal Conv1D({c['conv_filters']}, kernel {c['conv_kernel']}) + ReLU → BiLSTM({c['lstm_hidden']} per "
            f"direction) → additive attention → Dense({c['dense_units']}) + ReLU → Dense(1). Trained on "
            f"{result['train_windows']:,} windows (SMOTE on training windows only, balanced subset), Adam, "
            f"{len(result['history'])} epochs with early stopping.")


FAMILY = register(Family(name="crnn", summary="Conv1D + BiLSTM + attention over each row's window (UPI Sentinel)",
                         window_modes=("per_key", "global"), fit=fit, model_bytes=model_bytes,
                         write_golden=write_golden, network_text=network_text,
                         probabilities=probabilities))
