"""The gbdt family: XGBoost gradient-boosted trees over each row's flattened window."""
