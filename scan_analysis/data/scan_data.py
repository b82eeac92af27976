"""ScanData: one scan's paths and s-file, as a ScanAnalyzer subclass reads them.

The original toolkit hands a custom analyzer ``self.scan_data`` (its scan's
folders) and ``self.auxiliary_data`` (the s-file as a DataFrame); this is the
first, with the original's getter spellings beside plain attributes.
"""

from __future__ import annotations

from pathlib import Path

from scan_analysis.data.scan_info import ScanInfo
from scan_analysis.data.scan_paths import ScanPaths
from scan_analysis.data.scan_tag import ScanTag


class ScanData:
    """Where one scan's files are.

    Attributes: ``paths`` (the :class:`ScanPaths`), ``tag``, ``folder``
    (``scans/ScanNNN``), ``ini_file``, ``sfile_path`` (``analysis/sN.txt``),
    ``analysis_folder`` (``analysis/ScanNNN``), ``device_folders`` (``{name:
    folder}`` of the device folders in the scan). The original's spellings
    ``get_folder()``, ``get_tag()``, ``get_analysis_folder()``,
    ``load_scan_info()``, ``list_device_folders()`` and ``device_folder(name)``
    work too.

    Examples
    --------
    >>> import tempfile
    >>> tag = ScanTag(year=2026, month=5, day=8, number=2, experiment="Undulator")
    >>> data = ScanData(ScanPaths(tag, data_root=tempfile.mkdtemp()))
    >>> data.folder.name, data.sfile_path.name, data.get_analysis_folder().name
    ('Scan002', 's2.txt', 'Scan002')
    """

    def __init__(self, paths: ScanPaths) -> None:
        self.paths = paths

    @property
    def tag(self) -> ScanTag:
        """Which scan."""
        return self.paths.tag

    @property
    def folder(self) -> Path:
        """``scans/ScanNNN`` (raw data, read-only)."""
        return self.paths.scan_dir

    @property
    def ini_file(self) -> Path:
        """``scans/ScanNNN/ScanInfoScanNNN.ini``."""
        return self.paths.ini_file

    @property
    def sfile_path(self) -> Path:
        """``analysis/sN.txt``."""
        return self.paths.sfile

    @property
    def analysis_folder(self) -> Path:
        """``analysis/ScanNNN`` (where analyses write)."""
        return self.paths.scan_analysis_dir

    @property
    def device_folders(self) -> dict[str, Path]:
        """The scan's device folders by name (``UC_Spectrometer-interpSpec``: its folder)."""
        if not self.folder.is_dir():
            return {}
        return {p.name: p for p in sorted(self.folder.iterdir()) if p.is_dir()}

    # the original's spellings
    def get_folder(self) -> Path:
        """The scan folder (the original's name for :attr:`folder`)."""
        return self.folder

    def get_tag(self) -> ScanTag:
        """The scan's tag (the original's name for :attr:`tag`)."""
        return self.tag

    def get_analysis_folder(self) -> Path:
        """``analysis/ScanNNN`` (the original's name for :attr:`analysis_folder`)."""
        return self.analysis_folder

    def list_device_folders(self) -> list[str]:
        """Names of the scan's device folders."""
        return list(self.device_folders)

    def device_folder(self, device: str) -> Path:
        """The folder of one device (``device`` + any suffix, as named on disk)."""
        return self.paths.device_dir(device)

    def load_scan_info(self) -> dict[str, str]:
        """The ini's ``[Scan Info]`` values as written (quotes removed)."""
        return dict(ScanInfo.from_file(self.ini_file).raw)

    def __repr__(self) -> str:
        return f"ScanData({self.tag})"
