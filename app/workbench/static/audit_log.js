// The audit log, for inspectors: every write (who, when, what, the values before and after),
// filtered by who, what, ward, parcel and period, read a page at a time, exported as CSV.
import {
  LABELS, ROOT, actionLabel, api, cell, changeNames, dateTime, fillWards, message, number, say,
  state, typedDay,
} from "./api.js";

const $ = (id) => document.getElementById(id);
const PAGE = 100;
let next = null; // the next page's URL
let shown = 0;

export function mayReadAudit() {
  return state.current !== null
    && (state.current.role === "admin" || LABELS.audit_roles.includes(state.current.role));
}

// the start of a day in Vietnam, as an instant the API takes
function dayStart(iso) {
  return `${iso}T00:00:00+07:00`;
}

function nextDay(iso) {
  const d = new Date(`${iso}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

function filters() {
  const query = new URLSearchParams();
  const actor = $("audit-actor").value.trim();
  if (actor) query.set("actor", actor);
  if ($("audit-action").value) query.set("action", $("audit-action").value);
  if ($("audit-ward").value) query.set("ward", $("audit-ward").value);
  const parcel = $("audit-parcel").value.trim();
  if (parcel) {
    if (!/^[0-9]+$/.test(parcel)) throw new Error("Mã thửa là một số.");
    query.set("parcel", parcel);
  }
  for (const [id, name, instant] of [["audit-since", "since", dayStart], ["audit-until", "until", (d) => dayStart(nextDay(d))]]) {
    const raw = $(id).value.trim();
    if (!raw) continue;
    const day = typedDay(raw);
    if (!day) throw new Error(`Ngày "${raw}" chưa đúng dạng ngày/tháng/năm.`);
    query.set(name, instant(day));
  }
  return query;
}

// what an event changed, in a few words: a parcel's fields by their names, else name: value
function changed(event) {
  const after = event.after || {};
  const before = event.before || {};
  const keys = Object.keys(after).filter((k) => JSON.stringify(after[k]) !== JSON.stringify(before[k]));
  const said = event.target_type === "parcel"
    ? changeNames(Object.fromEntries(keys.map((k) => [k, true])))
    : keys.map((k) => `${k}: ${typeof after[k] === "object" ? JSON.stringify(after[k]) : after[k]}`).join("; ");
  return said || "—";
}

function target(event) {
  if (event.target_type === "parcel" && event.parcel_id) {
    const a = document.createElement("a");
    a.href = `workbench#/parcel?id=${event.parcel_id}`;
    a.textContent = `${LABELS.audit_target.parcel} ${event.parcel_id}`;
    return a;
  }
  return `${LABELS.audit_target[event.target_type] || event.target_type} ${event.target_id || ""}`.trim();
}

function draw(page, append) {
  const body = $("audit-table").querySelector("tbody");
  if (!append) {
    body.replaceChildren();
    shown = 0;
  }
  for (const e of page.events) {
    const row = document.createElement("tr");
    row.dataset.event = e.id;
    row.dataset.action = e.action;
    cell(row, dateTime(e.at));
    cell(row, e.actor);
    cell(row, actionLabel(e.action));
    const where = target(e);
    const td = cell(row, typeof where === "string" ? where : "");
    if (typeof where !== "string") td.append(where);
    cell(row, e.ward_code || "—");
    cell(row, changed(e)).className = "changes";
    body.append(row);
  }
  shown += page.events.length;
  next = page.next;
  $("audit-more").hidden = !next;
  $("audit-caption").textContent = shown
    ? `${number(shown)} thao tác${next ? " (còn nữa: bấm Xem tiếp)" : ""}, cũ nhất trước`
    : "Không có thao tác nào khớp điều kiện lọc.";
  document.body.dataset.auditShown = String(shown);
}

async function search() {
  const query = filters();
  const csv = new URLSearchParams(query);
  csv.set("format", "csv");
  $("audit-csv").href = new URL(`audit?${csv}`, ROOT).href;
  query.set("limit", PAGE);
  draw(await api("GET", `audit?${query}`), false);
}

async function more() {
  if (!next) return;
  // the service's own next link, on whatever root it names
  const url = new URL(next);
  draw(await api("GET", `audit${url.search}`), true);
}

function fail(problem) {
  message(problem.status ? say(problem) : problem.message, "error");
}

export function startAudit() {
  const actions = $("audit-action");
  for (const [code, label] of Object.entries(LABELS.history_action)) {
    // a parcel's version written by an import is, in the log, the import's "import.write"
    if (code === "import") continue;
    if (code === "transition") {
      for (const status of LABELS.statuses) actions.append(new Option(`${label}: ${LABELS.status[status]}`, `transition:${status}`));
    } else {
      actions.append(new Option(label, code));
    }
  }
  $("audit-filter").addEventListener("submit", (event) => {
    event.preventDefault();
    search().catch(fail);
  });
  $("audit-more").addEventListener("click", () => more().catch(fail));
}

export async function showAudit(params) {
  await fillWards($("audit-ward"));
  if (params.get("parcel")) $("audit-parcel").value = params.get("parcel");
  await search();
}
