"""GoogleDocElog through google-api-python-client's own HTTP mocks (no network)."""

import json

import numpy as np
import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpMockSequence
from PIL import Image

from scan_analysis.elog import ElogEntry, ElogUploader, GoogleDocElog
from scan_analysis.elog.google_doc import entry_requests, table_cell_index
from scan_analysis.errors import ScanAnalysisError

OK = {"status": "200"}
DOC_ID = "1AbCdEfDoc"


def make_entry(tmp_path):
    entry = ElogEntry(
        experiment="Undulator",
        date="2026-05-08",
        scan=12,
        description="jet scan µ-focus",
        parameter="U_ESP_JetXYZ:Position.Axis 1",
        start=4.0,
        end=6.0,
        step_size=0.5,
        shots_per_step=10,
    )
    for value, (name, slot) in enumerate([("TopView", 1), ("Spectrometer", None)]):
        png = tmp_path / f"{name}.png"
        Image.fromarray(np.full((4, 4), value, dtype=np.uint8)).save(png)
        entry.add_outcome(name, "done", display_files=[png], slot=slot, scalars={"peak": 2.0})
    entry.add_outcome("Profile", "no_data", message="no Profile folder")
    return entry


def good_responses(end_index=40):
    return [
        (OK, json.dumps({"id": "drive-top"})),
        (OK, json.dumps({"id": "perm-1"})),
        (OK, json.dumps({"id": "drive-spec"})),
        (OK, json.dumps({"id": "perm-2"})),
        (OK, json.dumps({"body": {"content": [{"endIndex": 1}, {"endIndex": end_index}]}})),
        (OK, json.dumps({"documentId": DOC_ID, "replies": []})),
    ]


def batch_requests(http):
    uri, method, body, _ = http.request_sequence[-1]
    assert f"/documents/{DOC_ID}:batchUpdate" in uri and method == "POST"
    return json.loads(body)["requests"]


def test_an_entry_is_appended_with_figures_grid_scalars_and_text(tmp_path):
    http = HttpMockSequence(good_responses(end_index=40))
    elog = GoogleDocElog(DOC_ID, http=http, drive_folder_id="folder-7")
    assert (
        elog.write_entry(make_entry(tmp_path))
        == f"https://docs.google.com/document/d/{DOC_ID}/edit"
    )

    uploads = [r for r in http.request_sequence if "upload/drive" in r[0]]
    assert len(uploads) == 2 and b"folder-7" in uploads[0][2]
    assert b"Undulator_2026-05-08_Scan012_TopView.png" in uploads[0][2]
    shares = [json.loads(r[2]) for r in http.request_sequence if "/permissions" in r[0]]
    assert shares == [{"type": "anyone", "role": "reader"}] * 2

    requests = batch_requests(http)
    index = 39  # the document's end index minus one: appended
    images = [r["insertInlineImage"] for r in requests if "insertInlineImage" in r]
    by_url = {i["uri"].rsplit("=", 1)[1]: i["location"]["index"] for i in images}
    assert by_url["drive-top"] == table_cell_index(index, 0, 1, columns=2)  # slot 1: top right
    assert by_url["drive-spec"] == index  # no slot: after the grid
    tables = [r["insertTable"] for r in requests if "insertTable" in r]
    assert {(t["rows"], t["columns"]) for t in tables} == {(3, 3), (2, 2)}
    texts = [r["insertText"]["text"] for r in requests if "insertText" in r]
    assert {"TopView", "Spectrometer", "peak", "2"} <= set(texts)
    body = texts[-1]
    assert body.startswith("Undulator 2026-05-08: Scan 012: jet scan µ-focus\n")
    assert "from 4 to 6 in steps of 0.5" in body and "Profile: no_data: no Profile folder" in body
    heading = requests[-2]["updateParagraphStyle"]
    assert heading["paragraphStyle"]["namedStyleType"] == "HEADING_2"
    assert heading["range"] == {"startIndex": index, "endIndex": index + body.index("\n") + 1}


def test_cell_texts_are_inserted_last_cell_first_so_indices_stay_valid(tmp_path):
    requests = entry_requests(make_entry(tmp_path), index=1, image_urls={})
    cells = [r["insertText"]["location"]["index"] for r in requests if "insertText" in r][:-1]
    assert cells == sorted(cells, reverse=True)
    assert cells[-1] == table_cell_index(1, 0, 0, columns=3) == 5
    assert (
        "figures not uploaded: TopView.png, Spectrometer.png" in requests[-3]["insertText"]["text"]
    )


def test_a_google_failure_is_raised_to_the_uploader_which_keeps_and_retries(tmp_path, caplog):
    entry = make_entry(tmp_path)
    failing = HttpMockSequence(
        good_responses()[:-1] + [({"status": "503"}, '{"error": {"message": "backend down"}}')]
    )
    with pytest.raises(HttpError):
        GoogleDocElog(DOC_ID, http=failing).write_entry(entry)

    failing = HttpMockSequence(
        good_responses()[:-1] + [({"status": "503"}, '{"error": {"message": "backend down"}}')]
    )
    uploader = ElogUploader(GoogleDocElog(DOC_ID, http=failing), tmp_path / "pending")
    assert uploader.submit(entry) is False  # never raises into the analysis
    assert [p.name for p in uploader.pending()] == ["Scan012.json"]
    assert "Scan 012" in caplog.text and "retried" in caplog.text

    working = HttpMockSequence(good_responses())
    uploader.backend = GoogleDocElog(DOC_ID, http=working)
    assert uploader.retry_pending() == 1
    assert uploader.pending() == []
    assert "drive-top" in json.dumps(batch_requests(working))


def test_a_missing_document_id_is_explained():
    with pytest.raises(ScanAnalysisError, match="document id"):
        GoogleDocElog("  ")


def test_a_missing_key_file_is_explained(tmp_path):
    with pytest.raises(ScanAnalysisError, match="service-account key .*missing.json"):
        GoogleDocElog.from_service_account_file(DOC_ID, tmp_path / "missing.json")
