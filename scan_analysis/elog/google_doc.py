"""The optional Google Docs e-log: one entry per scan in the experiment's document.

Needs the ``gdoc`` extra (``pip install 'scan-analysis[gdoc]'``:
``google-api-python-client`` and ``google-auth``); the library is imported
only when the backend first talks to Google, so importing this module is free.

How an entry is written (one ``documents.batchUpdate``, which Google applies
all-or-nothing, so a failed upload leaves no half entry behind):

1. each figure is looked up on Drive by the SHA-256 of its bytes (kept in
   the file's ``appProperties``; one ``files.list`` per entry); only figures
   not there yet are uploaded (``files.create``, optionally into
   ``drive_folder_id``) and made readable by link (``permissions.create``),
   because ``insertInlineImage`` needs an image URL Google can fetch. An
   unchanged figure is never uploaded twice, whichever runner sends it;
2. the document is read (``documents.get``: revision, named ranges, the
   start and end of its top-level elements);
3. the scan's entry is a named range (``scan-analysis {experiment} {date}
   Scan{NNN}``). If the document has it, and it still starts and ends on
   element boundaries, its content is deleted and the new entry inserted in
   its place; otherwise the entry is appended at the end. The named range is
   (re)created over the new entry, and the update is bound to the revision
   read in step 2 (``writeControl.requiredRevisionId``), so an edit made in
   between makes Google refuse it rather than apply it at shifted indices.
   The request layout is in :mod:`scan_analysis.elog.google_doc_layout`.

So a scan keeps one entry, updated in place when a task re-runs; text people
typed *inside* an entry is replaced with it (write notes below entries).
:class:`~scan_analysis.elog.upload_queue.ElogUploader` makes sure an entry
that failed (or was refused) is sent again, and only once it succeeded is it
dropped.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import os
from pathlib import Path
from typing import Any

from scan_analysis.elog.entry import ElogEntry, ElogFigure
from scan_analysis.elog.google_doc_layout import entry_layout, figures_of
from scan_analysis.errors import ScanAnalysisError

logger = logging.getLogger(__name__)

SCOPES = (
    "https://www.googleapis.com/auth/documents",
    "https://www.googleapis.com/auth/drive.file",
)
DOCUMENT_FIELDS = (
    "revisionId,namedRanges,body/content(startIndex,endIndex,paragraph/elements/startIndex)"
)
FIGURE_DIGEST_KEY = "scanAnalysisSha256"
"""Drive ``appProperties`` key holding the SHA-256 of an uploaded figure's bytes."""
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


class GoogleDocElog:
    """Keeps one entry per scan in a Google Docs document (appended, then updated in place).

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
        """Write the scan's entry, replacing the one already there; returns the document URL.

        Raises
        ------
        googleapiclient.errors.HttpError, OSError
            When Google or the figure files cannot be reached, or the document
            changed while the entry was prepared; the caller (an
            :class:`~scan_analysis.elog.upload_queue.ElogUploader`) keeps the
            entry and retries later.
        """
        image_urls = self.figure_urls(entry) if self.upload_figures else {}
        document = (
            self.docs.documents()
            .get(
                documentId=self.document_id,
                fields=DOCUMENT_FIELDS,
            )
            .execute()
        )
        name = entry_range_name(entry)
        requests: list[dict[str, Any]] = []
        if name in document.get("namedRanges", {}):
            requests.append({"deleteNamedRange": {"name": name}})
        old = replaceable_range(document, name)
        if old is not None:
            requests.append(
                {"deleteContentRange": {"range": {"startIndex": old[0], "endIndex": old[1]}}}
            )
            layout = entry_layout(entry, index=old[0], image_urls=image_urls)
        else:
            if requests:
                logger.warning(
                    "e-log: the entry of %s in %s no longer lines up with the document (edited "
                    "by hand?); leaving it and appending a new one",
                    entry.title,
                    self.url,
                )
            end = max((int(e.get("endIndex", 1)) for e in _body(document)), default=1)
            layout = entry_layout(
                entry, index=max(end - 1, 1), image_urls=image_urls, separate=True
            )
        requests += layout.requests
        requests.append(
            {
                "createNamedRange": {
                    "name": name,
                    "range": {"startIndex": layout.start, "endIndex": layout.end},
                }
            }
        )
        body: dict[str, Any] = {"requests": requests}
        if document.get("revisionId"):
            body["writeControl"] = {"requiredRevisionId": document["revisionId"]}
        self.docs.documents().batchUpdate(documentId=self.document_id, body=body).execute()
        logger.info(
            "e-log: %s %s %s", entry.title, "updated in" if old else "appended to", self.url
        )
        return self.url

    def figure_urls(self, entry: ElogEntry) -> dict[str, str]:
        """``{figure path: URL}`` for the entry's figures, uploading only those Drive lacks."""
        digests = {}
        for figure in figures_of(entry):
            path = Path(figure.path)
            if not path.is_file():
                raise FileNotFoundError(f"e-log figure {path} does not exist (was it moved?)")
            digests[figure.path] = hashlib.sha256(path.read_bytes()).hexdigest()
        known = self.uploaded_figures(set(digests.values()))
        urls = {}
        for figure in figures_of(entry):
            digest = digests[figure.path]
            if digest not in known:
                known[digest] = self.upload_figure(entry, figure, digest=digest)
            urls[figure.path] = _image_url(known[digest])
        return urls

    def uploaded_figures(self, digests: set[str]) -> dict[str, str]:
        """``{digest: Drive file id}`` of the figures with these digests already on Drive."""
        if not digests:
            return {}
        wanted = " or ".join(
            f"appProperties has {{ key='{FIGURE_DIGEST_KEY}' and value='{d}' }}"
            for d in sorted(digests)
        )
        found = (
            self.drive.files()
            .list(
                q=f"({wanted}) and trashed = false",
                fields="files(id,appProperties)",
                spaces="drive",
                pageSize=100,
            )
            .execute()
        )
        known = {}
        for item in found.get("files", []):
            digest = (item.get("appProperties") or {}).get(FIGURE_DIGEST_KEY)
            if digest in digests:
                known.setdefault(digest, item["id"])
        return known

    def upload_figure(self, entry: ElogEntry, figure: ElogFigure, *, digest: str) -> str:
        """Upload one figure to Drive, readable by link, tagged with its digest; returns its id."""
        from googleapiclient.http import MediaFileUpload

        path = Path(figure.path)
        mimetype = mimetypes.guess_type(path.name)[0] or "image/png"
        metadata: dict[str, Any] = {
            "name": f"{entry.experiment}_{entry.date}_Scan{entry.scan:03d}_{path.name}",
            "appProperties": {FIGURE_DIGEST_KEY: digest},
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
        return file_id


def entry_range_name(entry: ElogEntry) -> str:
    """The named range marking a scan's entry in the document.

    Examples
    --------
    >>> entry_range_name(ElogEntry(experiment="Undulator", date="2026-05-08", scan=12))
    'scan-analysis Undulator 2026-05-08 Scan012'
    """
    return f"scan-analysis {entry.experiment} {entry.date} Scan{entry.scan:03d}"


def replaceable_range(document: dict[str, Any], name: str) -> tuple[int, int] | None:
    """The (start, end) of the entry named ``name``, if it can be replaced safely.

    It can when the name marks exactly one range of the body that starts where
    a top-level element starts and ends where a paragraph starts (the entry
    was inserted that way; an edit across its edges breaks that, and then the
    old entry is left alone rather than cut through).
    """
    marks = document.get("namedRanges", {}).get(name, {}).get("namedRanges", [])
    ranges = [r for mark in marks for r in mark.get("ranges", [])]
    if len(ranges) != 1 or ranges[0].get("segmentId"):
        return None
    start, end = int(ranges[0].get("startIndex", 0)), int(ranges[0].get("endIndex", 0))
    elements = _body(document)
    starts = {int(e.get("startIndex", 0)) for e in elements}
    paragraph_starts = {int(e.get("startIndex", 0)) for e in elements if "paragraph" in e}
    if start < end and start in starts and end in paragraph_starts:
        return start, end
    return None


def _body(document: dict[str, Any]) -> list[dict[str, Any]]:
    return document.get("body", {}).get("content", [])


def _image_url(file_id: str) -> str:
    return f"https://drive.google.com/uc?export=view&id={file_id}"
