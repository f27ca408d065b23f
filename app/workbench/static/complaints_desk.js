// Citizens' complaints from the hotline (and the web, letters, the front desk): the list with
// their age, a link to the parcel each names, handed to an officer, answered and closed. A
// ward officer sees their own ward's; registry staff see them all.
import {
  LABELS, api, cell, dateTime, fillWards, message, number, say, state, whenBack,
} from "./api.js";

const $ = (id) => document.getElementById(id);
// what a complaint may move to from where it stands (the service refuses the others)
const NEXT = { received: ["received", "in_progress", "resolved"], in_progress: ["in_progress", "resolved"], resolved: ["resolved"] };
export const OPEN = ["received", "in_progress"];
let editing = null; // the complaint in the form
let people = null; // who a complaint may be handed to

export function mayHandleComplaints() {
  return state.current !== null && LABELS.complaint_roles.includes(state.current.role);
}

async function assignees() {
  if (people === null) people = await api("GET", "complaint-assignees");
  return people;
}

function who(userName) {
  if (!userName) return "—";
  const found = (people || []).find((p) => p.user_name === userName);
  return found ? `${found.display_name} (${found.user_name})` : userName;
}

async function listed() {
  const status = $("complaints-status").value;
  const query = new URLSearchParams();
  if ($("complaints-ward").value) query.set("ward", $("complaints-ward").value);
  if ($("complaints-mine").checked) query.set("assigned_to", state.current.user_name);
  // "open": not answered yet, those received and those in progress
  for (const s of status === "open" ? OPEN : [status].filter(Boolean)) query.append("status", s);
  return api("GET", `complaints?${query}`);
}

function parcelLink(c) {
  if (!c.parcel_id) return null;
  const a = document.createElement("a");
  a.href = `workbench#/parcel?id=${c.parcel_id}`;
  a.textContent = `Tờ ${c.sheet_no}, thửa ${c.parcel_no}`;
  return a;
}

async function draw() {
  await assignees();
  const found = await listed();
  const body = $("complaints-table").querySelector("tbody");
  body.replaceChildren();
  for (const c of found) {
    const row = document.createElement("tr");
    row.dataset.complaint = c.id;
    row.dataset.status = c.status;
    cell(row, String(c.id));
    cell(row, dateTime(c.received_at));
    cell(row, number(c.age_days)).className = "age";
    cell(row, LABELS.complaint_channel[c.channel] || c.channel);
    cell(row, [c.reporter_name, c.reporter_phone].filter(Boolean).join(", ") || "—");
    cell(row, c.content).className = "content";
    const link = parcelLink(c);
    const where = cell(row, link ? "" : (c.dossier_ref ? `Hồ sơ ${c.dossier_ref}` : "—"));
    if (link) where.append(link);
    cell(row, LABELS.complaint_status[c.status]);
    cell(row, who(c.assigned_to));
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = c.status === "resolved" ? "Xem" : "Xử lý";
    b.setAttribute("aria-label", `${b.textContent} phản ánh số ${c.id}`);
    b.addEventListener("click", () => open(c).catch(fail));
    cell(row, "").append(b);
    body.append(row);
  }
  const open_ = found.filter((c) => c.status !== "resolved");
  const oldest = open_.reduce((m, c) => Math.max(m, c.age_days), 0);
  $("complaints-caption").textContent = found.length
    ? `${number(found.length)} phản ánh` + (open_.length ? `; chưa trả lời xong ${number(open_.length)}, lâu nhất ${number(oldest)} ngày` : "")
    : "Không có phản ánh nào.";
  document.body.dataset.complaints = String(found.length);
}

async function open(summary) {
  // read it again: the ETag guards the save against another officer's
  const c = await api("GET", `complaints/${summary.id}`);
  editing = c;
  $("complaint-title").textContent = `Phản ánh số ${c.id}, nhận ${dateTime(c.received_at)} (${number(c.age_days)} ngày)`;
  const facts = $("complaint-facts");
  facts.replaceChildren();
  const fact = (term, value) => {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    if (value instanceof Node) dd.append(value);
    else dd.textContent = value || "—";
    facts.append(dt, dd);
  };
  fact("Nội dung", c.content);
  fact("Người phản ánh", [c.reporter_name, c.reporter_phone].filter(Boolean).join(", "));
  fact("Kênh", LABELS.complaint_channel[c.channel]);
  fact("Thửa", parcelLink(c) || (c.dossier_ref ? `Hồ sơ ${c.dossier_ref}` : "—"));
  fact("Tình trạng", LABELS.complaint_status[c.status]);
  fact("Người xử lý gần nhất", c.handled_by);
  const assignee = $("complaint-assignee");
  assignee.replaceChildren(new Option("— Chưa giao —", ""));
  for (const p of await assignees()) {
    // a ward officer answers their own ward's only; the service refuses the rest
    if (p.role === "ward_officer" && p.ward_code !== c.ward_code) continue;
    assignee.append(new Option(`${p.display_name} (${LABELS.role[p.role] || p.role})`, p.user_name));
  }
  assignee.value = c.assigned_to || "";
  const next = $("complaint-next");
  next.replaceChildren(...NEXT[c.status].map((s) => new Option(LABELS.complaint_status[s], s)));
  next.value = c.status === "received" ? "in_progress" : c.status;
  $("complaint-response").value = c.response || "";
  const closed = c.status === "resolved";
  for (const field of [assignee, next, $("complaint-response")]) field.disabled = closed;
  $("complaint-form").querySelector("button[type=submit]").hidden = closed;
  $("complaint-form").hidden = false;
  $("complaint-form").dataset.complaint = c.id;
  (closed ? $("complaint-cancel") : assignee).focus();
}

function close() {
  editing = null;
  $("complaint-form").hidden = true;
}

async function save(event) {
  event.preventDefault();
  const body = { status: $("complaint-next").value };
  const answer = $("complaint-response").value.trim();
  if (answer && answer !== (editing.response || "")) body.response = answer;
  if (body.status === "resolved" && !answer) {
    message("Hãy nhập nội dung trả lời người dân trước khi đóng phản ánh.", "error");
    $("complaint-response").focus();
    return;
  }
  const assigned = $("complaint-assignee").value || null;
  if (assigned !== editing.assigned_to) body.assigned_to = assigned;
  try {
    const saved = await api("PATCH", `complaints/${editing.id}`, body, { "If-Match": `"${editing.version}"` });
    close();
    message(saved.status === "resolved"
      ? `Đã trả lời và đóng phản ánh số ${saved.id}.`
      : `Đã ghi phản ánh số ${saved.id}: ${LABELS.complaint_status[saved.status]}, giao cho ${who(saved.assigned_to)}.`);
  } catch (problem) {
    if (problem.slug === "precondition-failed") {
      const now = await api("GET", `complaints/${editing.id}`);
      message(`Phản ánh số ${now.id} vừa được ${now.handled_by || "người khác"} cập nhật `
        + `(${dateTime(now.updated_at)}): hiện ${LABELS.complaint_status[now.status]}, `
        + `giao cho ${who(now.assigned_to)}. Hãy xem lại rồi ghi lại.`, "error");
      await open(now);
    } else {
      message(say(problem), "error");
    }
    return;
  }
  await draw();
}

function fail(problem) {
  message(say(problem), "error");
}

export function startComplaints() {
  $("complaints-filter").addEventListener("change", () => draw().catch(fail));
  $("complaints-filter").addEventListener("submit", (event) => { event.preventDefault(); draw().catch(fail); });
  $("complaint-form").addEventListener("submit", (event) => save(event).catch(fail));
  $("complaint-cancel").addEventListener("click", close);
  whenBack("complaints", () => (editing ? null : draw().catch(fail)));
}

export async function showComplaints(params) {
  close();
  people = null; // whoever signed in now may hand them to others
  const own = state.current.role === "ward_officer";
  $("complaints-ward-choice").hidden = own;
  if (!own) {
    await fillWards($("complaints-ward"));
    if (params.has("ward")) $("complaints-ward").value = params.get("ward");
  }
  await draw();
}
