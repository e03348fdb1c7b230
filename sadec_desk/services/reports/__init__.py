"""Reports for the commune leader (issue #7): queries, XLSX and PDF exports, charts.

The query modules return the frozen records of :mod:`sadec_desk.services.reports.figures`;
:mod:`sadec_desk.services.reports.build` is the entry point the CLI and the views call.
"""
