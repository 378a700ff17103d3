"""`cs_surveys`: answers to "Did this solve your problem?". Key `survey_id`; no version column."""

import pandas as pd
from pandera.typing import Series

from ._base import ExportModel, column


class CsSurveys(ExportModel):
    survey_id: Series[str] = column("survey-id", "The answer's id", str_length={"min_value": 1})
    thread_id: Series[str] = column("thread-id", "The conversation the answer is about", str_length={"min_value": 1})
    amazon_order_id: Series[str] = column("amazon-order-id", "The order; may be empty", nullable=True)
    answered_at: Series[pd.Timestamp] = column("answered-at", "When the buyer answered (UTC)")
    answer: Series[str] = column("answer", "YES or NO", isin=["YES", "NO"])
