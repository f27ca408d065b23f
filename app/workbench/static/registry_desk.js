// The registry officers' desk: the certificate pipeline (parcels per ward and status), the
// list behind each count, each step as a form asking what that step records, and batch
// signatures and returns (one request per parcel: one refusal does not undo the others).
import {
  LABELS, api, cell, dayText, message, number, say, state, typedDay, whatChanged, whenBack,
} from "./api.js";
import { showInventories, startInventory } from "./inventory.js";
import { showReturned, startReturned } from "./returned.js";

const PAGE = 50;
const $ = (id) => document.getElementById(id);
let shown = null; // { ward, status, from }
let rows = new Map(); // parcel id -> the parcel as listed
let pending = null; // { target, parcels } the step form is for
let today = null;

// What each step records: [field, label, kind (text, day, lines), required]
const STEP_FIELDS = {
  registered: [["note", "Ghi chú", "text", false]],
  in_review: [["note", "Ghi chú", "text", false]],
  eligible: [["note", "Ghi chú", "text", false]],
  ineligible: [["reason", "Lý do không đủ điều kiện", "text", true]],
  returned: [
    ["notice_no", "Số thông báo trả hồ sơ", "text", true],
    ["notice_date", "Ngày thông báo (dd/mm/yyyy)", "day", true],
    ["missing_items", "Giấy tờ còn thiếu (mỗi dòng một mục)", "lines", true],
    ["copied_to", "Gửi bản sao thông báo cho", "text", false],
  ],
  signed: [
    ["serial", "Số phát hành (seri) Giấy chứng nhận", "text", true],
    ["register_no", "Số vào sổ cấp Giấy chứng nhận", "text", true],
    ["signer", "Người ký", "text", true],
    ["signed_on", "Ngày ký (dd/mm/yyyy)", "day", true],
    ["custody_location", "Nơi lưu giữ Giấy chứng nhận chờ trao", "text", true],
  ],
  delivered: [
    ["recipient", "Người nhận Giấy chứng nhận", "text", true],
    ["handed_over_on", "Ngày trao (dd/mm/yyyy)", "day", true],
  ],
};
// in a batch signature these differ per certificate; the others are common
const EACH = ["serial", "register_no"];

function key(p) {
  return `thửa ${p.parcel_no}, tờ ${p.sheet_no}`;
}

// --- the pipeline --------------------------------------------------------------------------

async function drawPipeline() {
  const pipeline = await api("GET", "desks/registry/pipeline");
  today = pipeline.today;
  const head = $("pipeline").querySelector("thead tr");
  head.replaceChildren();
  const th = (text) => {
    const h = document.createElement("th");
    h.scope = "col";
    h.textContent = text;
    head.append(h);
  };
  th("Xã, phường");
  for (const status of pipeline.statuses) th(LABELS.status[status] || status);
  const body = $("pipeline").querySelector("tbody");
  body.replaceChildren();
  const line = (label, ward, counts) => {
    const row = document.createElement("tr");
    row.dataset.ward = ward || "town";
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = label;
    row.append(name);
    for (const status of pipeline.statuses) {
      const td = cell(row, "");
      const count = counts[status] || 0;
      td.dataset.status = status;
      td.dataset.count = String(count);
      if (!count) {
        td.textContent = "0";
        continue;
      }
      const b = document.createElement("button");
      b.type = "button";
      b.className = "count";
      b.textContent = number(count);
      b.setAttribute("aria-label", `${number(count)} thửa ${LABELS.status[status]}, ${label}: xem danh sách`);
      b.addEventListener("click", () => openList(ward, status, label).catch(fail));
      td.append(b);
    }
    body.append(row);
  };
  for (const ward of pipeline.wards) line(ward.ward_name, ward.ward_code, ward.by_status);
  line("Toàn thị xã", null, pipeline.town);
}

async function openList(ward, status, label) {
  shown = { ward, status, from: 0, label };
  closeStep();
  await drawList();
  $("pipeline-list-section").hidden = false;
  $("pipeline-list-title").textContent = `${LABELS.status[status]} – ${label}`;
  $("pipeline-list-section").scrollIntoView({ block: "start" });
}

async function drawList() {
  const query = new URLSearchParams({ status: shown.status, limit: PAGE, offset: shown.from });
  if (shown.ward) query.set("ward", shown.ward);
  const page = await api("GET", `desks/registry/parcels?${query}`);
  rows = new Map(page.parcels.map((p) => [p.id, p]));
  const body = $("pipeline-list").querySelector("tbody");
  body.replaceChildren();
  $("pipeline-all").checked = false;
  for (const p of page.parcels) {
    const row = document.createElement("tr");
    row.dataset.parcel = p.id;
    const pick = document.createElement("input");
    pick.type = "checkbox";
    pick.className = "pick";
    pick.setAttribute("aria-label", `Chọn ${key(p)}`);
    cell(row, "").append(pick);
    cell(row, p.ward_code);
    cell(row, number(p.sheet_no));
    cell(row, number(p.parcel_no));
    cell(row, p.address || "—");
    cell(row, number(p.unchanged_days));
    const steps = cell(row, "");
    for (const target of p.allowed_transitions) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = LABELS.step[target] || target;
      b.dataset.step = target;
      b.setAttribute("aria-label", `Chuyển ${key(p)} sang: ${LABELS.status[target]}`);
      b.addEventListener("click", () => openStep(target, [p]));
      steps.append(b, " ");
    }
    cell(row, "").className = "outcome";
    body.append(row);
  }
  const last = Math.min(shown.from + page.parcels.length, page.total);
  $("pipeline-list-caption").textContent = page.total
    ? `${number(page.total)} thửa, lâu không đổi nhất trước: ${number(shown.from + 1)}–${number(last)}`
    : "Không còn thửa nào.";
  $("pipeline-page").textContent = page.total ? `Trang ${Math.floor(shown.from / PAGE) + 1}` : "";
  $("pipeline-previous").disabled = shown.from === 0;
  $("pipeline-next").disabled = last >= page.total;
  $("batch-signed").hidden = shown.status !== "eligible";
  $("batch-returned").hidden = shown.status !== "in_review";
}

// --- a step's form -------------------------------------------------------------------------

function fieldId(name) {
  return `step-${name.replace(/_/g, "-")}`;
}

function openStep(target, parcels) {
  pending = { target, parcels };
  const batch = parcels.length > 1;
  $("step-title").textContent = batch
    ? `${LABELS.step[target]}: ${number(parcels.length)} thửa`
    : `${LABELS.step[target]}: ${key(parcels[0])}`;
  const fields = $("step-fields");
  fields.replaceChildren();
  const each = $("step-each");
  each.hidden = !(batch && target === "signed");
  for (const [name, label, kind, required] of STEP_FIELDS[target]) {
    if (batch && target === "signed" && EACH.includes(name)) continue;
    const id = fieldId(name);
    const l = document.createElement("label");
    l.htmlFor = id;
    l.textContent = label + (required ? "" : " (không bắt buộc)");
    const input = document.createElement(kind === "lines" ? "textarea" : "input");
    input.id = id;
    input.name = name;
    input.required = required;
    if (kind === "day") {
      input.inputMode = "numeric";
      input.placeholder = "ngày/tháng/năm";
      input.value = dayText(today);
    }
    fields.append(l, input);
  }
  const body = each.querySelector("tbody");
  body.replaceChildren();
  if (batch && target === "signed") {
    for (const p of parcels) {
      const row = document.createElement("tr");
      row.dataset.parcel = p.id;
      cell(row, key(p));
      for (const name of EACH) {
        const input = document.createElement("input");
        input.name = name;
        input.required = true;
        input.setAttribute("aria-label", `${name === "serial" ? "Số phát hành" : "Số vào sổ"} của ${key(p)}`);
        cell(row, "").append(input);
      }
      body.append(row);
    }
  }
  $("step-submit").textContent = batch ? `Ghi cho ${number(parcels.length)} thửa` : "Ghi";
  $("step-form").hidden = false;
  const first = $("step-form").querySelector("input, textarea");
  if (first) first.focus();
}

function closeStep() {
  pending = null;
  $("step-form").hidden = true;
}

function common() {
  const body = { to: pending.target };
  for (const [name, label, kind, required] of STEP_FIELDS[pending.target]) {
    const input = $(fieldId(name));
    if (!input) continue;
    const raw = input.value.trim();
    if (!raw) {
      if (required) throw new Error(`Hãy nhập: ${label}.`);
      continue;
    }
    if (kind === "day") {
      const day = typedDay(raw);
      if (!day) throw new Error(`${label}: hãy nhập theo dạng ngày/tháng/năm.`);
      body[name] = day;
    } else if (kind === "lines") {
      body[name] = raw.split("\n").map((s) => s.trim()).filter(Boolean);
    } else {
      body[name] = raw;
    }
  }
  return body;
}

function outcome(parcelId, text, ok) {
  const row = $("pipeline-list").querySelector(`tr[data-parcel="${parcelId}"]`);
  if (!row) return;
  const td = row.querySelector(".outcome");
  td.textContent = text;
  td.dataset.ok = String(ok);
  row.dataset.outcome = ok ? "done" : "refused";
}

async function submitStep(event) {
  event.preventDefault();
  let shared;
  try {
    shared = common();
  } catch (error) {
    message(error.message, "error");
    return;
  }
  const { target, parcels } = pending;
  const bodies = [];
  for (const p of parcels) {
    const body = { ...shared };
    if (target === "signed" && p.status === "delivered") body.reissue = true;
    if (target === "signed" && parcels.length > 1) {
      const row = $("step-each").querySelector(`tr[data-parcel="${p.id}"]`);
      for (const input of row.querySelectorAll("input")) body[input.name] = input.value.trim();
      if (!body.serial || !body.register_no) {
        message(`Hãy nhập số phát hành và số vào sổ của ${key(p)}.`, "error");
        return;
      }
    }
    bodies.push([p, body]);
  }
  closeStep();
  let done = 0;
  // one request per parcel, one after the other: each its own write, audited on its own
  for (const [p, body] of bodies) {
    try {
      await api("POST", `parcels/${p.id}/transitions`, body, { "If-Match": `"${p.version}"` });
      done += 1;
      outcome(p.id, `Đã chuyển sang: ${LABELS.status[target]}`, true);
    } catch (problem) {
      const said = problem.slug === "precondition-failed"
        ? await whatChanged(p.id, p.version).catch(() => say(problem)) : say(problem);
      outcome(p.id, said, false);
    }
  }
  const refused = bodies.length - done;
  message(refused
    ? `Đã ghi ${number(done)} thửa; ${number(refused)} thửa không ghi được (xem cột Kết quả).`
    : `Đã ghi ${number(done)} thửa.`, refused ? "error" : "info");
  await drawPipeline();
  if (target === "returned" && done) await showReturned(today);
}

function fail(problem) {
  message(say(problem), "error");
}

function picked() {
  return [...$("pipeline-list").querySelectorAll("tbody tr")]
    .filter((row) => row.querySelector(".pick").checked && row.dataset.outcome !== "done")
    .map((row) => rows.get(Number(row.dataset.parcel)));
}

function batch(target) {
  const parcels = picked();
  if (!parcels.length) {
    message("Hãy chọn các thửa trước (ô đầu mỗi dòng).", "error");
    return;
  }
  openStep(target, parcels);
}

export function mayUseRegistryDesk() {
  return state.current !== null && LABELS.transition_roles.includes(state.current.role);
}

export function startRegistryDesk() {
  startInventory();
  startReturned();
  $("step-form").addEventListener("submit", submitStep);
  $("step-cancel").addEventListener("click", closeStep);
  $("batch-signed").addEventListener("click", () => batch("signed"));
  $("batch-returned").addEventListener("click", () => batch("returned"));
  $("pipeline-all").addEventListener("change", () => {
    for (const box of $("pipeline-list").querySelectorAll(".pick")) box.checked = $("pipeline-all").checked;
  });
  $("pipeline-previous").addEventListener("click", () => { shown.from = Math.max(0, shown.from - PAGE); drawList().catch(fail); });
  $("pipeline-next").addEventListener("click", () => { shown.from += PAGE; drawList().catch(fail); });
  $("pipeline-reload").addEventListener("click", () => drawList().catch(fail));
  // the list behind a count too, unless the officer has ticked rows or seen results in it
  whenBack("registry", async () => {
    if (pending) return;
    await drawPipeline().catch(fail);
    const list = $("pipeline-list");
    const busy = list.querySelector(".pick:checked") || list.querySelector("tr[data-outcome]");
    if (shown && !$("pipeline-list-section").hidden && !busy) await drawList().catch(fail);
  });
}

export async function showRegistryDesk() {
  closeStep();
  await drawPipeline();
  await showInventories(today);
  await showReturned(today);
  document.body.dataset.registryDesk = "ready";
}
