// The upload desk: a surveyor's file previewed (how it will be read), checked or imported,
// followed phase by phase as the server pushes it, and its report with every issue.

import { LABELS, ROOT, api, cell, dateTime, message, number, say, sendForm } from "./api.js";
import { drawIssues, showIssue } from "./upload_map.js";

const FINISHED = ["succeeded", "failed"];
const PAGE = 50;
let preview = null; // the last preview (columns found), for the field selects
let shown = null; // the import whose report is shown
let issuesFrom = 0;
let issuesSort = "row"; // a column's name, "-name" the other way round
let stream = null;

const $ = (id) => document.getElementById(id);

function option(select, value, label) {
  select.append(new Option(label, value));
}

export function startDesk() {
  for (const [code, name] of Object.entries(LABELS.crs)) option($("upload-crs"), code, `EPSG:${code} – ${name}`);
  for (const [mode, label] of Object.entries(LABELS.import_mode)) option($("upload-mode"), mode, label);
  for (const [kind, label] of Object.entries(LABELS.issue_kind)) option($("issue-kind"), kind, label);
  $("upload-preview").addEventListener("click", () => previewFile().catch(refused));
  $("upload-check").addEventListener("click", () => submit(true).catch(refused));
  $("upload-import").addEventListener("click", () => submit(false).catch(refused));
  $("upload-file").addEventListener("change", () => { preview = null; $("field-map").hidden = true; });
  $("issue-kind").addEventListener("change", () => loadIssues(0).catch(refused));
  let typing = null;
  $("issue-reason").addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => loadIssues(0).catch(refused), 300);
  });
  for (const header of document.querySelectorAll("#issues th[data-sort]")) {
    header.querySelector("button").addEventListener("click", () => {
      const name = header.dataset.sort;
      issuesSort = issuesSort === name ? `-${name}` : name;
      loadIssues(0).catch(refused);
    });
  }
  $("issues-previous").addEventListener("click", () => loadIssues(Math.max(0, issuesFrom - PAGE)).catch(refused));
  $("issues-next").addEventListener("click", () => loadIssues(issuesFrom + PAGE).catch(refused));
  $("report-retry").addEventListener("click", () => retry().catch(refused));
  const zone = $("drop-zone");
  zone.addEventListener("dragover", (event) => { event.preventDefault(); zone.dataset.over = "true"; });
  zone.addEventListener("dragleave", () => { delete zone.dataset.over; });
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    delete zone.dataset.over;
    if (event.dataTransfer.files.length) {
      $("upload-file").files = event.dataTransfer.files;
      $("upload-file").dispatchEvent(new Event("change"));
    }
  });
}

export async function showDesk(params) {
  await loadMine();
  const id = Number(params.get("import"));
  if (id) await follow(id);
}

function refused(problem) {
  message(say(problem), "error");
}

const MEGABYTES = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 });

function chosenFile() {
  const file = $("upload-file").files[0];
  if (!file) {
    message("Hãy chọn tệp dữ liệu trước.", "error");
    $("upload-file").focus();
    return null;
  }
  if (file.size > LABELS.max_upload_bytes) {
    // the service would refuse it (413) as soon as it saw the size: say so before sending
    const mb = (bytes) => MEGABYTES.format(bytes / 1024 / 1024);
    message(`Tệp quá lớn: ${mb(file.size)} MB, máy chủ nhận tệp tối đa ${mb(LABELS.max_upload_bytes)} MB. `
      + "Hãy chia tệp theo tờ bản đồ hoặc theo xã, phường.", "error");
    return null;
  }
  return file;
}

function fieldMap() {
  const map = {};
  for (const select of document.querySelectorAll("#field-map-rows select")) {
    if (select.value) map[select.dataset.field] = select.value;
  }
  return map;
}

function form(file, extra) {
  const data = new FormData();
  data.append("file", file);
  if ($("upload-crs").value) data.append("crs", $("upload-crs").value);
  if (preview) data.append("field_map", JSON.stringify(fieldMap()));
  for (const [key, value] of Object.entries(extra)) data.append(key, value);
  return data;
}

// --- preview: how the file will be read, before anything is written -----------------------

async function previewFile() {
  const file = chosenFile();
  if (!file) return;
  message("Đang đọc thử tệp…");
  preview = await sendForm("import-previews", form(file, {}), transfer);
  message("");
  drawPreview(preview);
}

function drawPreview(seen) {
  $("preview").hidden = false;
  const crs = seen.crs ? `${seen.crs.name} (EPSG:${seen.crs.epsg})` : "chưa xác định";
  $("preview-summary").textContent =
    `${number(seen.features)} thửa trong tệp; hệ tọa độ: ${crs}.`;
  const problems = $("preview-problems");
  problems.replaceChildren();
  for (const text of [seen.crs_problem, seen.mapping_problem, ...seen.warnings].filter(Boolean)) {
    const item = document.createElement("li");
    item.textContent = text;
    problems.append(item);
  }
  const body = $("preview-columns").querySelector("tbody");
  body.replaceChildren();
  for (const column of seen.columns) {
    const row = document.createElement("tr");
    row.dataset.column = column.name;
    cell(row, column.name);
    cell(row, column.field ? LABELS.import_field[column.field] || column.field : "—");
    cell(row, column.encoding ? LABELS.text_encoding[column.encoding] || column.encoding : "—");
    cell(row, column.samples.filter((v) => v !== null).slice(0, 3).join("; "));
    body.append(row);
  }
  drawFieldMap(seen);
}

function drawFieldMap(seen) {
  const rows = $("field-map-rows");
  rows.replaceChildren();
  for (const field of seen.known_fields) {
    const id = `map-${field}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = LABELS.import_field[field] || field;
    if (seen.required_fields.includes(field)) label.textContent += " (bắt buộc)";
    const select = document.createElement("select");
    select.id = id;
    select.dataset.field = field;
    option(select, "", "— không có —");
    for (const column of seen.columns) option(select, column.name, column.name);
    select.value = seen.fields[field] || "";
    rows.append(label, select);
  }
  $("field-map").hidden = false;
}

// --- checking or importing, followed as it runs ----------------------------------------------

function transfer(loaded, total) {
  $("progress").hidden = false;
  $("transfer-bar").max = total;
  $("transfer-bar").value = loaded;
}

async function submit(dryRun) {
  const file = chosenFile();
  if (!file) return;
  const extra = { mode: $("upload-mode").value, dry_run: dryRun ? "true" : "false" };
  if ($("upload-commune").value) extra.commune_code = $("upload-commune").value;
  $("report").hidden = true;
  $("progress").hidden = false;
  $("phase-label").textContent = "Đang tải tệp lên…";
  message("");
  const job = await sendForm("imports", form(file, extra), transfer);
  history.replaceState(null, "", `#/upload?import=${job.id}`);
  await follow(job.id);
}

function drawProgress(job) {
  $("progress").hidden = false;
  const { phase, done, total } = job.progress;
  $("phase-label").textContent = LABELS.import_phase[phase] || phase;
  const bar = $("phase-bar");
  if (phase === "reading" && total) {
    bar.max = total;
    bar.value = done;
    $("phase-count").textContent = `${number(done)} / ${number(total)} thửa`;
  } else if (phase === "done") {
    bar.max = 1;
    bar.value = 1;
    $("phase-count").textContent = "";
  } else {
    bar.removeAttribute("value"); // a step of the database: no count to show
    $("phase-count").textContent = total ? `${number(total)} thửa` : "";
  }
  document.body.dataset.importPhase = phase;
}

function follow(id) {
  if (stream) stream.close();
  return new Promise((resolve) => {
    stream = new EventSource(new URL(`imports/${id}/events`, ROOT));
    stream.addEventListener("progress", (event) => {
      const job = JSON.parse(event.data);
      drawProgress(job);
      if (FINISHED.includes(job.status)) {
        stream.close();
        stream = null;
        drawReport(job).then(loadMine).then(resolve, (problem) => { refused(problem); resolve(); });
      }
    });
    stream.addEventListener("error", () => {
      // closed by the server after a long wait: EventSource connects again by itself;
      // refused (the session ended, say): say so and stop
      if (stream && stream.readyState === EventSource.CLOSED) {
        message("Mất kết nối với máy chủ khi theo dõi tiến trình; hãy tải lại trang.", "error");
        resolve();
      }
    });
  });
}

// --- the report ----------------------------------------------------------------------------------

async function drawReport(job) {
  shown = job;
  const report = job.report || {};
  $("report").hidden = false;
  const status = LABELS.import_status[job.status] || job.status;
  const trial = job.options && job.options.dry_run ? " (chỉ kiểm tra, chưa ghi vào sổ)" : "";
  $("report-status").textContent = job.error
    ? `Lần nộp số ${job.id}: ${status}${trial}. ${job.error}`
    : `Lần nộp số ${job.id}: ${status}${trial}.`;
  $("report-status").dataset.status = job.status;
  const counts = $("report-counts");
  counts.replaceChildren();
  for (const [key, label] of [
    ["read", "Thửa đọc được"], ["inserted", "Thêm mới"], ["updated", "Cập nhật"],
    ["unchanged", "Không đổi"], ["rejected", "Bị từ chối"], ["repaired", "Đã tự sửa"],
    ["warnings", "Cảnh báo"], ["overlaps", "Chồng lấn"],
  ]) {
    if (!(key in report)) continue;
    const term = document.createElement("dt");
    term.textContent = label;
    const value = document.createElement("dd");
    value.dataset.count = key;
    value.textContent = number(report[key]);
    counts.append(term, value);
  }
  $("report-crs").textContent = report.crs
    ? `Hệ tọa độ: ${report.crs.name} (EPSG:${report.crs.epsg}), ${report.crs.how}.`
    : "";
  const fields = $("report-columns").querySelector("tbody");
  fields.replaceChildren();
  for (const [field, column] of Object.entries(report.fields || {})) {
    const row = document.createElement("tr");
    cell(row, LABELS.import_field[field] || field);
    cell(row, column);
    fields.append(row);
  }
  $("report-columns").hidden = !report.fields;
  const encodings = Object.entries(report.encoding || {})
    .map(([column, encoding]) => `${column}: ${LABELS.text_encoding[encoding] || encoding}`);
  $("report-encodings").textContent = encodings.length ? `Mã hóa chữ: ${encodings.join("; ")}.` : "";
  $("report-rejects").href = new URL(`imports/${job.id}/rejects.csv`, ROOT).href;
  $("report-retry").hidden = job.status !== "failed";
  $("issue-kind").value = ""; // a new report: every issue, whatever the last one showed
  $("issue-reason").value = "";
  issuesSort = "row";
  const first = await loadIssues(0);
  await drawIssues(job.id, first);
  document.body.dataset.importStatus = job.status;
}

async function loadIssues(from) {
  if (!shown) return;
  const kind = $("issue-kind").value;
  const reason = $("issue-reason").value.trim();
  const query = new URLSearchParams({ limit: PAGE, offset: from, sort: issuesSort });
  if (kind) query.set("kind", kind);
  if (reason.length >= 1) query.set("reason", reason);
  const page = await api("GET", `imports/${shown.id}/issues?${query}`);
  issuesFrom = from;
  const body = $("issues").querySelector("tbody");
  body.replaceChildren();
  for (const issue of page.issues) {
    const row = document.createElement("tr");
    row.dataset.kind = issue.kind;
    row.dataset.row = issue.row ?? "";
    row.dataset.seq = issue.seq;
    cell(row, issue.row === null ? "cả tệp" : number(issue.row));
    cell(row, issue.key || "—");
    cell(row, LABELS.issue_kind[issue.kind] || issue.kind);
    cell(row, issue.reason);
    const zoom = cell(row, "");
    if (issue.drawn) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = "Xem";
      button.setAttribute("aria-label", `Xem trên bản đồ: ${issue.row === null ? "cả tệp" : `dòng ${issue.row}`}`);
      button.addEventListener("click", () => showIssue(issue).catch(refused));
      zoom.append(button);
    } else {
      zoom.textContent = "—";
    }
    body.append(row);
  }
  for (const header of document.querySelectorAll("#issues th[data-sort]")) {
    const name = header.dataset.sort;
    header.setAttribute("aria-sort", issuesSort === name ? "ascending" : issuesSort === `-${name}` ? "descending" : "none");
  }
  const last = Math.min(from + page.issues.length, page.total);
  $("issues-caption").textContent = page.total
    ? `Các thửa có vấn đề: ${number(from + 1)}–${number(last)} trong ${number(page.total)}`
    : "Không có thửa nào có vấn đề.";
  $("issues-page").textContent = page.total ? `Trang ${Math.floor(from / PAGE) + 1}` : "";
  $("issues-previous").disabled = from === 0;
  $("issues-next").disabled = last >= page.total;
  return page;
}

async function retry() {
  await api("POST", `imports/${shown.id}/retry`);
  $("report").hidden = true;
  await follow(shown.id);
}

async function loadMine() {
  const mine = await api("GET", "imports?mine=true&limit=20");
  const body = $("my-imports").querySelector("tbody");
  body.replaceChildren();
  for (const job of mine) {
    const row = document.createElement("tr");
    row.dataset.import = job.id;
    const report = job.report || {};
    cell(row, job.id);
    cell(row, job.file_name);
    cell(row, dateTime(job.created_at));
    cell(row, LABELS.import_status[job.status] || job.status);
    cell(row, number(report.inserted));
    cell(row, number(report.updated));
    cell(row, number(report.rejected));
    const link = document.createElement("a");
    link.href = `workbench#/upload?import=${job.id}`;
    link.textContent = "Xem kết quả";
    link.setAttribute("aria-label", `Xem kết quả lần nộp số ${job.id}`);
    cell(row, "").append(link);
    body.append(row);
  }
}
