"""Layer 8 · audit: findings on the existing subscriptions of many communes.

``findings`` (the data: a finding, its drift, a commune's audit, a run), ``commune``
(one commune on a date, through ``check``), ``drift`` (since when and why), ``batch``
(reading every input and the worker pool), ``summary`` (matrix, per-brick figures,
exit code), ``inputs`` (profiles, folders, CSV/XLSX matrices). Sentences are said by
``eligibility.wording.audit``, reports laid out by ``eligibility.reports.audit``.
"""
