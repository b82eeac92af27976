"""nbval runs of the example notebooks (make test): the kernels it starts inherit this
environment, so settings that would change what the notebooks print are cleared here,
as notebooks/execute_notebooks.py clears them when it saves the outputs."""

import os

# An app URL makes every e-log entry link to the scan browser (elog_upload.ipynb prints
# the requests of an entry's upload).
for name in ("SCAN_ANALYSIS_APP_URL",):
    os.environ.pop(name, None)
