"""PyInstaller hook for sadec_desk: every module and every data file, declared.

The command line imports its command modules by name in ``sadec_desk/cli/__init__.py``,
but the screens, the sync adapters and the report writers are imported inside functions
(so that a command loads only what it needs); collecting every submodule means a module
never turns up missing the first time a clerk opens a rarely used screen.
"""

from PyInstaller.utils.hooks import collect_data_files, collect_submodules

hiddenimports = collect_submodules(
    "sadec_desk",
    # the reference portal server needs the [portal] extra, which the desk app leaves out;
    # tools/ are the developers' (catalogues, screenshots, type checks)
    filter=lambda name: not name.startswith(("sadec_desk.sync.portal", "sadec_desk.tools")),
)

datas = (
    collect_data_files("sadec_desk")  # locale/*/LC_MESSAGES/*.mo
    + collect_data_files("sadec_desk.db")  # seed/procedures.json, calendar_overrides.toml
    + collect_data_files("sadec_desk.printers")  # layouts/*.toml, the shipped fonts
)
