"""The 26 financial and governance indicators of the listed-companies paper, and
the lle_svm feature spec built from them.

Each indicator has a stable UPPER_SNAKE code (its reason code), the CSV column
name, a readable text and a lower bound. The spec feeds the raw indicator
values unchanged (OP_VALUE, mean 0, std 1): the lle_svm network derives the
time-series forms and z-scores them itself (schemas/model.fbs LleSvmConfig).
"""
from dataclasses import dataclass

import numpy as np

from fraudscore_trainer.features.spec import IDENTIFIER, NUMERIC, OP_VALUE, TIME, WINDOW_PER_KEY, Column, Feature, Spec

NAN = float("nan")


@dataclass(frozen=True)
class Indicator:
    code: str      # reason code
    column: str    # CSV column name
    group: str     # the paper's indicator family
    text: str      # readable text (reason text)
    min_value: float = NAN  # values below are refused; NaN: no bound


INDICATORS = (
    # solvency
    Indicator("CURRENT_RATIO", "current_ratio", "solvency", "current assets / current liabilities", 0.0),
    Indicator("QUICK_RATIO", "quick_ratio", "solvency", "(current assets - inventory) / current liabilities", 0.0),
    Indicator("LT_LOANS_TO_ASSETS", "lt_loans_to_assets", "solvency", "long-term loans / total assets", 0.0),
    Indicator("LT_DEBT_TO_CAPITAL", "lt_debt_to_capital", "solvency",
              "long-term liabilities / (long-term liabilities + equity)"),
    # development (growth against the previous year; -1 = everything lost)
    Indicator("TOTAL_ASSETS_GROWTH", "total_assets_growth", "development", "growth rate of total assets", -1.0),
    Indicator("FIXED_ASSETS_GROWTH", "fixed_assets_growth", "development", "growth rate of fixed assets", -1.0),
    Indicator("REVENUE_GROWTH", "revenue_growth", "development", "growth rate of total operating revenue", -1.0),
    Indicator("OPERATING_COST_GROWTH", "operating_cost_growth", "development",
              "growth rate of total operating costs", -1.0),
    Indicator("NAV_PER_SHARE_GROWTH", "nav_per_share_growth", "development", "growth rate of net assets per share"),
    # governance (proportions in [0, 1])
    Indicator("INDEPENDENT_DIRECTORS", "independent_directors", "governance",
              "proportion of independent directors", 0.0),
    Indicator("BOARD_SHAREHOLDING", "board_shareholding", "governance", "board members' shareholding ratio", 0.0),
    Indicator("SUPERVISORY_SHAREHOLDING", "supervisory_shareholding", "governance",
              "supervisory board's shareholding ratio", 0.0),
    Indicator("TOP10_SHAREHOLDERS", "top10_shareholders", "governance", "top ten shareholders' ratio", 0.0),
    # business capability
    Indicator("INVENTORY_TURNOVER", "inventory_turnover", "business", "cost of sales / average inventory", 0.0),
    Indicator("PAYABLES_TURNOVER", "payables_turnover", "business", "cost of sales / average accounts payable", 0.0),
    Indicator("RECEIVABLES_TURNOVER", "receivables_turnover", "business",
              "revenue / average accounts receivable", 0.0),
    Indicator("RECEIVABLES_TO_REVENUE", "receivables_to_revenue", "business", "accounts receivable / revenue", 0.0),
    Indicator("TOTAL_ASSET_TURNOVER", "total_asset_turnover", "business", "revenue / average total assets", 0.0),
    Indicator("INVENTORY_TO_REVENUE", "inventory_to_revenue", "business", "inventory / revenue", 0.0),
    Indicator("EQUITY_TURNOVER", "equity_turnover", "business", "revenue / average equity"),
    # profitability
    Indicator("RETURN_ON_ASSETS", "return_on_assets", "profitability",
              "(profit before tax + interest) / average total assets"),
    Indicator("RETURN_ON_CAPITAL", "return_on_capital", "profitability",
              "EBIT after tax / (equity + interest-bearing debt)"),
    Indicator("GROSS_MARGIN", "gross_margin", "profitability", "operating gross margin"),
    Indicator("NET_PROFIT_TO_ASSETS", "net_profit_to_assets", "profitability",
              "net profit / average total assets"),
    Indicator("SELLING_EXPENSE_RATE", "selling_expense_rate", "profitability", "selling expenses / revenue", 0.0),
    Indicator("LT_RETURN_ON_CAPITAL", "lt_return_on_capital", "profitability",
              "(profit before tax + interest) / average (long-term liabilities + equity)"),
)
INDICATOR_COLUMNS = [i.column for i in INDICATORS]
KEY_COLUMN, TIME_COLUMN, LABEL_COLUMN = "company_id", "year", "is_fraud"


def build_spec(train_rows=None) -> Spec:
    """The lle_svm spec. With `train_rows` (a DataFrame of training company-years)
    each feature's baseline and each column's missing value are set from it.

    Missing indicators are allowed (a real company may lack inventory, so its
    inventory turnover is undefined) and replaced by the training median: 0
    would be far out of range for ratios such as the current ratio. Identity and
    year must be present (they key and order the window).
    """
    columns = [Column(KEY_COLUMN, IDENTIFIER, missing_allowed=False),
               Column(TIME_COLUMN, TIME, missing_allowed=False)]
    features = []
    for ind in INDICATORS:
        col = Column(ind.column, NUMERIC, missing_allowed=True, min_value=ind.min_value)
        feat = Feature(ind.column, OP_VALUE, ind.column, reason_code=ind.code, reason_text=ind.text)
        if train_rows is not None:
            values = train_rows[ind.column].to_numpy(dtype=np.float64)
            col.missing_value = float(np.float32(np.nanmedian(values)))
            feat.baseline = float(np.float32(np.nanmean(values)))
        columns.append(col)
        features.append(feat)
    return Spec(columns=columns, features=features, window_length=2, window_mode=WINDOW_PER_KEY,
                key_column=KEY_COLUMN, time_column=TIME_COLUMN)
