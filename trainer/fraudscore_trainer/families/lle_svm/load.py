"""Read an lle_svm model file back into the trainer's objects.

Scoring golden rows with what the *file* holds (not the in-memory model that
wrote it) checks the export: Float64 storage, the embedding scale folded into
lle.train_embedding, the config fields, the spec's missing values and
baselines, and the risk settings.
"""

import numpy as np

from fraudscore_trainer.modelfile import schema_gen
from fraudscore_trainer.modelfile import signing
from fraudscore_trainer.features.spec import Column, Feature, Spec
from fraudscore_trainer.families.lle_svm.model import LleSvmModel

_MODULES = ("Model", "ModelBody", "FeatureSpec", "Column", "Feature", "Window", "Tensor", "RiskSettings",
            "Calibration", "LleSvmConfig", "Architecture")


def _text(b):
    return b.decode() if isinstance(b, bytes) else b


def _spec(fs):
    columns = [Column(_text(c.name), c.type, [_text(v) for v in (c.vocabulary or [])], c.missingAllowed,
                      c.missingValue, c.minValue) for c in fs.columns]
    names = [c.name for c in columns]
    features = [Feature(_text(f.name), f.op, names[f.a], parameter=f.parameter, mean=f.mean, std=f.std,
                        reason_code=_text(f.reasonCode) or "", reason_text=_text(f.reasonText) or "",
                        baseline=f.baseline, range_min=f.rangeMin, range_max=f.rangeMax) for f in fs.features]
    return Spec(columns, features, window_length=fs.window.length, window_mode=fs.window.mode,
                key_column=names[fs.window.keyColumn],
                time_column=names[fs.timeColumn] if fs.timeColumn >= 0 else None, range_margin=fs.rangeMargin)


def load(path):
    """(model, spec, risk, derived_clip) from an lle_svm .fsmodel file."""
    S = schema_gen.schema()
    for m in _MODULES:
        schema_gen.submodule(m)
    blob = signing.model_bytes(path)
    body = S.Model.ModelT.InitFromObj(S.Model.Model.GetRootAs(blob, 0)).body
    t = {_text(x.name): np.asarray(x.f64, dtype=np.float64).reshape([int(s) for s in x.shape]) for x in body.tensors}
    cfg = body.architecture
    risk = body.risk
    model = LleSvmModel(mean=t["zscore.mean"], std=t["zscore.std"], train_points=t["lle.train_points"],
                        train_embedding=t["lle.train_embedding"], neighbours=cfg.neighbours,
                        support_vectors=t["svm.support_vectors"], dual_coef=t["svm.dual_coef"],
                        intercept=cfg.intercept, gamma=cfg.gamma, centroids=t["kmeans.centroids"],
                        grades=[_text(g) for g in cfg.grades], platt=(risk.calibration.a, risk.calibration.b),
                        lle_reg=cfg.lleReg)
    risk_dict = dict(decision_threshold=risk.decisionThreshold, review_threshold=risk.reviewThreshold,
                     band_cuts=list(risk.bandCuts), platt=(risk.calibration.a, risk.calibration.b))
    return model, _spec(body.spec), risk_dict, cfg.derivedClip
