"""The scorecard's columns and status vocabulary (:func:`evalkit.evaluation.scorecard.scorecard`).

:data:`COLUMNS` (every row, target or check, has them), the labels of a row's status
(:data:`STATUS_LABELS`), of a not-yet-due target's progress (:data:`PROGRESS_LABELS`) and of the
change on the previous year (:data:`CHANGE_LABELS`), each as (zh, en), and the progress columns
of a row before the year-on-year pass (:data:`NO_PROGRESS`).
"""

from __future__ import annotations

import numpy as np

STATUS_LABELS = {
    "met": ("达标", "met"),
    "not_met": ("未达标", "not met"),
    "not_due": ("未到考核年份", "not yet due"),
    "not_measurable": ("缺少数据", "no data"),
    "reported": ("仅列示", "reported only"),
    "check_flagged": ("需核查", "to check"),
    "check_clear": ("未发现", "none found"),
}
#: Status of a target before its assessment year (``not_due``): progress towards it.
PROGRESS_LABELS = {
    "on_track": ("进行中: 按进度", "in progress: on track"),
    "off_track": ("进行中: 落后于进度", "in progress: off track"),
    "unknown": ("进行中: 进度不明", "in progress: progress unknown"),
}
#: Change of status on the previous year.
CHANGE_LABELS = {
    "now_met": ("转为达标", "now met"),
    "no_longer_met": ("转为未达标", "no longer met"),
    "still_met": ("保持达标", "still met"),
    "still_not_met": ("仍未达标", "still not met"),
}
COLUMNS = [
    "target_id",
    "document",
    "region",
    "county",
    "description",
    "indicator",
    "source",
    "comparison",
    "value",
    "threshold",
    "margin",
    "previous_value",
    "unit",
    "status",
    "status_code",
    "reason_code",
    "reason",
    "n_households",
    "clause",
    "note",
    "plan_title",
    "plan_first_year",
    "plan_last_year",
    "due_year",
    "previous_status_code",
    "previous_status",
    "change_code",
    "change",
    "progress_code",
    "pace_needed",
    "pace_last_year",
]


#: progress columns before the scorecard's year-on-year pass fills them (and for check rows)
NO_PROGRESS = {
    "previous_status_code": "",
    "previous_status": "",
    "change_code": "",
    "change": "",
    "progress_code": "",
    "pace_needed": np.nan,
    "pace_last_year": np.nan,
}
