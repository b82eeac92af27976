"""GoogleDocElog through google-api-python-client's own HTTP mocks (no network)."""

import hashlib
import json
from urllib.parse import unquote

import numpy as np
import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import HttpMockSequence
from PIL import Image

from scan_analysis.elog import ElogEntry, ElogUploader, GoogleDocElog
from scan_analysis.elog.google_doc import FIGURE_DIGEST_KEY
from scan_analysis.elog.google_doc_layout import entry_layout, entry_text, table_cell_index
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


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def document(end_index=40, named_ranges=None, elements=()):
    content = [{"endIndex": 1}, {"startIndex": 1, "endIndex": end_index, "paragraph": {}}]
    content += [{"startIndex": a, "endIndex": b, "paragraph": {}} for a, b in elements]
    return {"revisionId": "rev-7", "namedRanges": named_ranges or {}, "body": {"content": content}}


def good_responses(end_index=40):
    return [
        (OK, json.dumps({"files": []})),  # none of the figures is on Drive yet
        (OK, json.dumps({"id": "drive-top"})),
        (OK, json.dumps({"id": "perm-1"})),
        (OK, json.dumps({"id": "drive-spec"})),
        (OK, json.dumps({"id": "perm-2"})),
        (OK, json.dumps(document(end_index))),
        (OK, json.dumps({"documentId": DOC_ID, "replies": []})),
    ]


def batch_body(http):
    uri, method, body, _ = http.request_sequence[-1]
    assert f"/documents/{DOC_ID}:batchUpdate" in uri and method == "POST"
    return json.loads(body)


def batch_requests(http):
    return batch_body(http)["requests"]


def expected_length(entry) -> int:
    """The entry's extent, counted from the Docs API guide's index rules (not the code's)."""
    heading, body = entry_text(entry)
    text = len(heading + body)  # no characters outside the BMP in the test entry
    grid = 1 + 7 + 1  # newline before the table, a 1x2 table (gaps closed), one image
    rest = 1  # the Spectrometer figure, after the grid
    cells = ["analyzer", "scalar", "scan mean", "Spectrometer", "peak", "2", "TopView", "peak", "2"]
    scalars = 1 + (2 + 3 * (1 + 2 * 3)) + sum(len(cell) for cell in cells)  # newline, 3x3, texts
    return text + grid + rest + scalars


def test_an_entry_is_appended_with_figures_grid_scalars_and_text(tmp_path):
    http = HttpMockSequence(good_responses(end_index=40))
    elog = GoogleDocElog(DOC_ID, http=http, drive_folder_id="folder-7")
    entry = make_entry(tmp_path)
    assert elog.write_entry(entry) == f"https://docs.google.com/document/d/{DOC_ID}/edit"

    listing = [r for r in http.request_sequence if r[1] == "GET" and "/drive/v3/files" in r[0]]
    assert len(listing) == 1 and digest(tmp_path / "TopView.png") in unquote(listing[0][0])
    uploads = [r for r in http.request_sequence if "upload/drive" in r[0]]
    assert len(uploads) == 2 and b"folder-7" in uploads[0][2]
    assert b"Undulator_2026-05-08_Scan012_TopView.png" in uploads[0][2]
    assert digest(tmp_path / "TopView.png").encode() in uploads[0][2]  # tagged for reuse
    shares = [json.loads(r[2]) for r in http.request_sequence if "/permissions" in r[0]]
    assert shares == [{"type": "anyone", "role": "reader"}] * 2

    body = batch_body(http)
    assert body["writeControl"] == {"requiredRevisionId": "rev-7"}
    requests = body["requests"]
    index = 39  # the document's end index minus one: appended
    images = [r["insertInlineImage"] for r in requests if "insertInlineImage" in r]
    by_url = {i["uri"].rsplit("=", 1)[1]: i["location"]["index"] for i in images}
    # slot 1 is the only slotted figure: first cell, no empty box before it
    assert by_url["drive-top"] == table_cell_index(index, 0, 0, columns=2)
    assert by_url["drive-spec"] == index  # no slot: after the grid
    tables = [r["insertTable"] for r in requests if "insertTable" in r]
    assert {(t["rows"], t["columns"]) for t in tables} == {(3, 3), (1, 2)}
    texts = [r["insertText"]["text"] for r in requests if "insertText" in r]
    assert {"TopView", "Spectrometer", "peak", "2"} <= set(texts)
    text = texts[-1]
    assert text.startswith("\nUndulator 2026-05-08: Scan 012: jet scan µ-focus\n")
    assert "from 4 to 6 in steps of 0.5" in text and "Profile: no data: no Profile folder" in text
    heading = requests[-3]["updateParagraphStyle"]
    assert heading["paragraphStyle"]["namedStyleType"] == "HEADING_2"
    assert heading["range"] == {
        "startIndex": index + 1,
        "endIndex": index + text.index("\n", 1) + 1,
    }
    marked = requests[-1]["createNamedRange"]
    assert marked["name"] == "scan-analysis Undulator 2026-05-08 Scan012"
    assert marked["range"] == {"startIndex": 40, "endIndex": 40 + expected_length(entry)}
    assert not [r for r in requests if "deleteContentRange" in r or "deleteNamedRange" in r]


def test_a_scan_written_again_replaces_its_entry_and_uploads_no_unchanged_figure(tmp_path):
    entry = make_entry(tmp_path)
    name, length = "scan-analysis Undulator 2026-05-08 Scan012", expected_length(entry)
    entry.add_outcome("Profile", "done", message="re-run")  # a task of the scan ran again
    on_drive = {
        "files": [
            {
                "id": "drive-top",
                "appProperties": {FIGURE_DIGEST_KEY: digest(tmp_path / "TopView.png")},
            },
            {
                "id": "drive-spec",
                "appProperties": {FIGURE_DIGEST_KEY: digest(tmp_path / "Spectrometer.png")},
            },
        ]
    }
    ranges = {
        name: {
            "name": name,
            "namedRanges": [
                {"name": name, "ranges": [{"startIndex": 40, "endIndex": 40 + length}]}
            ],
        }
    }
    later_entry = 40 + length  # the next scan's entry (or the document's last paragraph)
    doc = document(40, ranges, elements=[(40, 90), (later_entry, later_entry + 30)])
    http = HttpMockSequence(
        [
            (OK, json.dumps(on_drive)),
            (OK, json.dumps(doc)),
            (OK, json.dumps({"documentId": DOC_ID, "replies": []})),
        ]
    )
    GoogleDocElog(DOC_ID, http=http).write_entry(entry)

    assert not [
        r for r in http.request_sequence if "upload/drive" in r[0] or "/permissions" in r[0]
    ]
    requests = batch_requests(http)
    assert requests[0] == {"deleteNamedRange": {"name": name}}
    assert requests[1] == {
        "deleteContentRange": {"range": {"startIndex": 40, "endIndex": later_entry}}
    }
    inserted = [r["insertText"]["text"] for r in requests if "insertText" in r][-1]
    assert (
        inserted.startswith("Undulator 2026-05-08: Scan 012")
        and "Profile: done: re-run" in inserted
    )
    images = {
        r["insertInlineImage"]["uri"].rsplit("=", 1)[1]
        for r in requests
        if "insertInlineImage" in r
    }
    assert images == {"drive-top", "drive-spec"}  # the figures already on Drive
    marked = requests[-1]["createNamedRange"]
    assert marked == {
        "name": name,
        "range": {
            "startIndex": 40,
            "endIndex": 40 + length + len("done: re-run") - len("no data: no Profile folder"),
        },
    }


def test_an_entry_edited_across_its_edges_is_left_alone_and_a_new_one_appended(tmp_path, caplog):
    entry = make_entry(tmp_path)
    name = "scan-analysis Undulator 2026-05-08 Scan012"
    ranges = {
        name: {
            "name": name,
            "namedRanges": [{"name": name, "ranges": [{"startIndex": 40, "endIndex": 77}]}],
        }
    }
    doc = document(200, ranges, elements=[(40, 90)])  # nothing starts at 77 any more
    responses = good_responses()
    responses[5] = (OK, json.dumps(doc))
    http = HttpMockSequence(responses)
    GoogleDocElog(DOC_ID, http=http).write_entry(entry)
    requests = batch_requests(http)
    assert requests[0] == {"deleteNamedRange": {"name": name}}
    assert not [r for r in requests if "deleteContentRange" in r]
    assert requests[-1]["createNamedRange"]["range"]["startIndex"] == 200  # appended at the end
    assert "no longer lines up" in caplog.text


def test_cell_texts_are_inserted_last_cell_first_so_indices_stay_valid(tmp_path):
    requests = entry_layout(make_entry(tmp_path), index=1, image_urls={}).requests
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


def test_an_entry_with_an_app_link_links_its_first_line_to_the_scan_page(tmp_path):
    from scan_analysis.elog.google_doc_layout import LINK_TEXT, entry_layout, utf16_length

    entry = make_entry(tmp_path)
    entry.link = "http://cr:8866/voila/render/scan_browser.ipynb?experiment=Undulator&scan=12"
    layout = entry_layout(entry, index=10, image_urls={})
    text = [r["insertText"]["text"] for r in layout.requests if "insertText" in r][-1]
    heading, body = text.split("\n", 1)
    assert body.startswith(LINK_TEXT + "\n")
    styled = [r["updateTextStyle"] for r in layout.requests if "updateTextStyle" in r]
    assert len(styled) == 1 and styled[0]["textStyle"] == {"link": {"url": entry.link}}
    start = 10 + utf16_length(heading + "\n")
    assert styled[0]["range"] == {"startIndex": start, "endIndex": start + len(LINK_TEXT)}

    entry.link = None
    plain = entry_layout(entry, index=10, image_urls={})
    assert not [r for r in plain.requests if "updateTextStyle" in r]
    assert (
        LINK_TEXT not in [r["insertText"]["text"] for r in plain.requests if "insertText" in r][-1]
    )


def test_a_saturation_line_is_written_in_bold_red(tmp_path):
    """Issue 19: the Google Doc entry has the saturation line, styled so it is seen."""
    from scan_analysis.elog.google_doc_layout import SATURATION_PREFIX, utf16_length

    entry = make_entry(tmp_path)
    note = "saturated pixels in 3 of 18 shots (JetX = 5.5; up to 30 per shot)"
    entry.add_outcome("TopView", "done", message=f"18 of 20 shots analysed, {note}", slot=1)
    heading, body = entry_text(entry)
    line = (
        f"{SATURATION_PREFIX}TopView: {note}: peaks, sizes and charges of those shots are "
        "unreliable"
    )
    assert line in body.splitlines()
    layout = entry_layout(entry, index=10, image_urls={})
    (styled,) = [r["updateTextStyle"] for r in layout.requests if "updateTextStyle" in r]
    assert styled["textStyle"]["bold"] is True and "foregroundColor" in styled["textStyle"]
    start = 10 + utf16_length(heading + body[: body.index(line)])
    assert styled["range"] == {"startIndex": start, "endIndex": start + utf16_length(line)}
    text = [r["insertText"]["text"] for r in layout.requests if "insertText" in r][-1]
    assert text[start - 10 : start - 10 + len(line)] == line  # the range covers the line itself
