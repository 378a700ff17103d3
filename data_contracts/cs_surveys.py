"""`cs_surveys`: answers to "Did this solve your problem?". Key `survey_id`; no version column."""

from ._base import ExportModel, Text, Timestamp, column


class CsSurveys(ExportModel):
    survey_id: Text = column("survey-id", "The answer's id", str_length={"min_value": 1})
    thread_id: Text = column("thread-id", "The conversation the answer is about", str_length={"min_value": 1})
    amazon_order_id: Text = column("amazon-order-id", "The order; may be empty", nullable=True)
    answered_at: Timestamp = column("answered-at", "When the buyer answered (UTC)")
    answer: Text = column("answer", "YES or NO", isin=["YES", "NO"])
