"""The optional Google Docs e-log: each scan's entry appended to the experiment's document.

Needs the ``gdoc`` extra (``pip install 'scan-analysis[gdoc]'``:
``google-api-python-client`` and ``google-auth``); the library is imported
only when the backend first talks to Google, so importing this module is free.

How an entry is written (one ``documents.batchUpdate``, which Google applies
all-or-nothing, so a failed upload leaves no half entry behind):

1. every figure is uploaded to Drive (``files.create``, optionally into
   ``drive_folder_id``) and made readable by link (``permissions.create``),
   because ``insertInlineImage`` needs an image URL Google can fetch;
2. the document's end index is read (``documents.get``);
3. the entry is inserted at the end, built bottom-up at one index so no
   index has to be recomputed: the key-scalar table, the figures without a
   slot, the 2x2 figure grid (a 2x2 table, cell = ``gdoc_slot``), then the
   heading (``HEADING_2``) and the text lines (operator description, parameter
   and range, end info, analyzer outcomes).

Unlike the local page, a re-written scan is appended again rather than
replaced (finding and deleting an earlier entry in a document people also
edit by hand is not safe); :class:`~scan_analysis.elog.upload_queue.ElogUploader`
makes sure an entry that failed is sent again, and only once it succeeded is
it dropped.
"""

from __future__ import annotations

import logging
import mimetypes
import os
from pathlib import Path
from typing import Any

from scan_analysis.elog.entry import ElogEntry, ElogFigure
from scan_analysis.errors import ScanAnalysisError

logger = logging.getLogger(__name__)

SCOPES = (
    "https://www.googleapis.com/auth/documents",
    "https://www.googleapis.com/auth/drive.file",
)
GRID_IMAGE_WIDTH_PT = 230.0
WIDE_IMAGE_WIDTH_PT = 460.0
_INSTALL_HINT = (
    "the Google Docs e-log needs the optional dependencies: "
    "pip install 'scan-analysis[gdoc]' (google-api-python-client and google-auth), "
    "or run with gdoc_enabled=False to keep the local HTML e-log only"
)


def _require_google_client() -> Any:
    try:
        from googleapiclient import discovery
    except ImportError as error:
        raise ScanAnalysisError(_INSTALL_HINT) from error
    return discovery


def utf16_length(text: str) -> int:
    """Length of ``text`` in UTF-16 code units, the unit of Docs API indices.

    Examples
    --------
    >>> utf16_length("µ-beam"), utf16_length("\\U0001F600")
    (6, 2)
    """
    return len(text.encode("utf-16-le")) // 2


def table_cell_index(table_location: int, row: int, column: int, *, columns: int) -> int:
    """Where text goes in a cell of a table inserted by ``insertTable`` at ``table_location``.

    ``insertTable`` puts a newline at the location, so the table starts one
    index later; each row opens with one index, each cell with one, and an
    empty cell holds a one-index paragraph.

    Examples
    --------
    >>> table_cell_index(10, 0, 0, columns=3), table_cell_index(10, 1, 2, columns=3)
    (14, 25)
    """
    return table_location + 4 + row * (1 + 2 * columns) + 2 * column


def entry_text(entry: ElogEntry) -> tuple[str, str]:
    """The heading line and the body lines of an entry (both ending in a newline)."""
    heading = f"{entry.experiment} {entry.date}: {entry.title}\n"
    lines = [entry.range_text()]
    if entry.end_info:
        lines.append(f"end: {entry.end_info}")
    lines += [f"{analyzer}: {outcome}" for analyzer, outcome in sorted(entry.outcomes.items())]
    return heading, "\n".join(lines) + "\n"


def scalar_rows(entry: ElogEntry, *, max_scalars: int = 8) -> list[tuple[str, str, str]]:
    """Rows of the key-scalar table: header, then (analyzer, scalar, value)."""
    rows = [("analyzer", "scalar", "scan mean")]
    for analyzer, scalars in sorted(entry.scalars.items()):
        rows += [
            (analyzer, name, f"{value:.5g}") for name, value in list(scalars.items())[:max_scalars]
        ]
    return rows if len(rows) > 1 else []


def entry_requests(
    entry: ElogEntry, *, index: int, image_urls: dict[str, str], max_scalars: int = 8
) -> list[dict[str, Any]]:
    """The ``batchUpdate`` requests that insert ``entry`` at ``index``.

    Parameters
    ----------
    entry : ElogEntry
        The scan's entry.
    index : int
        Where to insert (the document's end index minus one to append).
    image_urls : dict
        ``{figure path: URL Google can fetch}``; figures without a URL are
        named in the text instead.
    max_scalars : int
        Key scalars per analyzer in the table.

    Returns
    -------
    list of dict
        Requests in the order they must be applied.
    """
    requests: list[dict[str, Any]] = []
    rows = scalar_rows(entry, max_scalars=max_scalars)
    if rows:
        requests.append(
            {"insertTable": {"rows": len(rows), "columns": 3, "location": {"index": index}}}
        )
        for row in reversed(range(len(rows))):  # last cell first: earlier indices stay valid
            for column in reversed(range(3)):
                requests.append(
                    {
                        "insertText": {
                            "location": {"index": table_cell_index(index, row, column, columns=3)},
                            "text": rows[row][column],
                        }
                    }
                )
    slots, rest = entry.grid()
    missing = [f for f in [*slots, *rest] if f is not None and f.path not in image_urls]
    for figure in reversed(rest):
        if figure.path in image_urls:
            requests.append(_image_request(image_urls[figure.path], index, WIDE_IMAGE_WIDTH_PT))
    placed = [(slot, f) for slot, f in enumerate(slots) if f is not None and f.path in image_urls]
    if placed:
        requests.append({"insertTable": {"rows": 2, "columns": 2, "location": {"index": index}}})
        for slot, figure in reversed(placed):
            cell = table_cell_index(index, slot // 2, slot % 2, columns=2)
            requests.append(_image_request(image_urls[figure.path], cell, GRID_IMAGE_WIDTH_PT))
    heading, body = entry_text(entry)
    if missing:
        body += "figures not uploaded: " + ", ".join(Path(f.path).name for f in missing) + "\n"
    text = heading + body
    requests.append({"insertText": {"location": {"index": index}, "text": text}})
    heading_end = index + utf16_length(heading)
    requests.append(_paragraph_style(index, heading_end, "HEADING_2"))
    requests.append(_paragraph_style(heading_end, index + utf16_length(text), "NORMAL_TEXT"))
    return requests


def _image_request(url: str, index: int, width_pt: float) -> dict[str, Any]:
    return {
        "insertInlineImage": {
            "uri": url,
            "location": {"index": index},
            "objectSize": {"width": {"magnitude": width_pt, "unit": "PT"}},
        }
    }


def _paragraph_style(start: int, end: int, style: str) -> dict[str, Any]:
    return {
        "updateParagraphStyle": {
            "range": {"startIndex": start, "endIndex": end},
            "paragraphStyle": {"namedStyleType": style},
            "fields": "namedStyleType",
        }
    }


class GoogleDocElog:
    """Appends each scan's entry to a Google Docs document.

    Parameters
    ----------
    document_id : str
        The experiment's document (the long id in its URL).
    credentials : google.auth.credentials.Credentials, optional
        Used to build the Docs and Drive clients (see :meth:`from_service_account_file`).
    http : httplib2.Http, optional
        Transport for both clients instead of credentials (tests pass
        ``googleapiclient.http.HttpMockSequence``).
    docs_service, drive_service : optional
        Ready-built clients (override ``credentials``/``http``).
    drive_folder_id : str, optional
        Drive folder that receives the uploaded figures.
    upload_figures : bool
        False writes the text and table only.
    """

    name = "gdoc"

    def __init__(
        self,
        document_id: str,
        *,
        credentials: Any = None,
        http: Any = None,
        docs_service: Any = None,
        drive_service: Any = None,
        drive_folder_id: str | None = None,
        upload_figures: bool = True,
    ) -> None:
        if not document_id or not str(document_id).strip():
            raise ScanAnalysisError(
                "the Google Docs e-log needs the document id: the long id in the document's URL "
                "(https://docs.google.com/document/d/<id>/edit)"
            )
        self.document_id = str(document_id).strip()
        self.drive_folder_id = drive_folder_id
        self.upload_figures = upload_figures
        self._credentials = credentials
        self._http = http
        self._docs = docs_service
        self._drive = drive_service

    @classmethod
    def from_service_account_file(
        cls, document_id: str, key_file: str | os.PathLike, **options: Any
    ) -> GoogleDocElog:
        """A backend authenticated with a service-account key (JSON) file.

        Share the document (and the Drive folder) with the service account's e-mail.
        """
        _require_google_client()
        from google.oauth2 import service_account

        key_file = Path(key_file)
        if not key_file.is_file():
            raise ScanAnalysisError(
                f"service-account key {key_file} does not exist: download it from the Google "
                "Cloud console (IAM > Service accounts > Keys) and give its path"
            )
        credentials = service_account.Credentials.from_service_account_file(
            str(key_file), scopes=list(SCOPES)
        )
        return cls(document_id, credentials=credentials, **options)

    @property
    def url(self) -> str:
        """The document's address."""
        return f"https://docs.google.com/document/d/{self.document_id}/edit"

    def _service(self, api: str, version: str) -> Any:
        discovery = _require_google_client()
        if self._http is not None:
            return discovery.build(api, version, http=self._http, cache_discovery=False)
        return discovery.build(api, version, credentials=self._credentials, cache_discovery=False)

    @property
    def docs(self) -> Any:
        """The Docs API client (built on first use)."""
        if self._docs is None:
            self._docs = self._service("docs", "v1")
        return self._docs

    @property
    def drive(self) -> Any:
        """The Drive API client (built on first use)."""
        if self._drive is None:
            self._drive = self._service("drive", "v3")
        return self._drive

    def write_entry(self, entry: ElogEntry) -> str:
        """Append ``entry`` to the document; returns the document URL.

        Raises
        ------
        googleapiclient.errors.HttpError, OSError
            When Google or the figure files cannot be reached; the caller (an
            :class:`~scan_analysis.elog.upload_queue.ElogUploader`) keeps the
            entry and retries later.
        """
        image_urls: dict[str, str] = {}
        if self.upload_figures:
            slots, rest = entry.grid()
            for figure in [f for f in slots if f is not None] + rest:
                image_urls[figure.path] = self.upload_figure(entry, figure)
        document = (
            self.docs.documents()
            .get(documentId=self.document_id, fields="body/content/endIndex")
            .execute()
        )
        content = document.get("body", {}).get("content", [])
        end = max((int(element.get("endIndex", 1)) for element in content), default=1)
        requests = entry_requests(entry, index=max(end - 1, 1), image_urls=image_urls)
        self.docs.documents().batchUpdate(
            documentId=self.document_id, body={"requests": requests}
        ).execute()
        logger.info("e-log: %s appended to %s", entry.title, self.url)
        return self.url

    def upload_figure(self, entry: ElogEntry, figure: ElogFigure) -> str:
        """Upload one figure to Drive, readable by link; returns a URL Docs can fetch."""
        from googleapiclient.http import MediaFileUpload

        path = Path(figure.path)
        if not path.is_file():
            raise FileNotFoundError(f"e-log figure {path} does not exist (was it moved?)")
        mimetype = mimetypes.guess_type(path.name)[0] or "image/png"
        metadata: dict[str, Any] = {
            "name": f"{entry.experiment}_{entry.date}_Scan{entry.scan:03d}_{path.name}"
        }
        if self.drive_folder_id:
            metadata["parents"] = [self.drive_folder_id]
        created = (
            self.drive.files()
            .create(
                body=metadata,
                media_body=MediaFileUpload(str(path), mimetype=mimetype, resumable=False),
                fields="id",
            )
            .execute()
        )
        file_id = created["id"]
        self.drive.permissions().create(
            fileId=file_id, body={"type": "anyone", "role": "reader"}
        ).execute()
        return f"https://drive.google.com/uc?export=view&id={file_id}"
