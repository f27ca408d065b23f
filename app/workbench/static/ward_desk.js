// The ward officer's desk (their own ward; staff who may read any ward choose one): the
// ward's progress, the parcels waiting for the commune's confirmation of origin and time of
// use (confirm, or record why not), the open disputes (resolve), a new dispute.
import {
  LABELS, api, cachedGet, cell, dayText, fillWards, message, number, say, state, typedDay, wards,
  whatChanged, whenBack,
} from "./api.js";
import { OPEN, mayHandleComplaints } from "./complaints_desk.js";

const PAGE = 50;
let ward = null;
let today = null; // the register's today, as the server says it
let from = 0;
let chosen = null; // the parcel or dispute a form is for
const $ = (id) => document.getElementById(id);
const PERCENT = new Intl.NumberFormat("vi-VN", { style: "percent", maximumFractionDigits: 1 });

function button(label, aria, onClick) {
  const b = document.createElement("button");
  b.type = "button";
  b.textContent = label;
  b.setAttribute("aria-label", aria);
  b.addEventListener("click", onClick);
  return b;
}

function key(p) {
  return `thửa ${p.parcel_no}, tờ ${p.sheet_no}`;
}

function fail(problem) {
  message(say(problem), "error");
  if (problem.slug !== "precondition-failed") return;
  // a parcel's save: say who changed it and how it stands now; then read the lists again
  if (chosen && chosen.parcel_id === undefined && chosen.version !== undefined) {
    whatChanged(chosen.id, chosen.version).then((text) => message(text, "error")).catch(() => {});
  }
  closeForms();
  reload().catch(fail);
}

// --- progress ------------------------------------------------------------------------------

async function drawProgress() {
  const stats = await api("GET", "stats/wards");
  const row = stats.wards.find((w) => w.ward_code === ward);
  const list = $("ward-progress");
  list.replaceChildren();
  if (!row) return;
  const fact = (term, value) => {
    const dt = document.createElement("dt");
    dt.textContent = term;
    const dd = document.createElement("dd");
    dd.textContent = value;
    list.append(dt, dd);
    return dd;
  };
  fact("Số thửa", number(row.parcels));
  fact("Đã cấp GCN", `${number(row.certified)} (${PERCENT.format(row.certified_share)})`);
  fact(`Chỉ tiêu năm ${row.target_year}`, row.target_share === null ? "—" : PERCENT.format(row.target_share));
  fact("Cần đạt đến hôm nay", row.expected_share === null ? "—" : PERCENT.format(row.expected_share));
  fact("Còn thiếu so với hôm nay", row.parcels_to_expected ? `${number(row.parcels_to_expected)} thửa` : "Đạt tiến độ")
    .dataset.behind = String(Boolean(row.behind));
  fact("Đã xác nhận nguồn gốc", number(row.confirmed));
  fact("Tranh chấp đang mở", number(row.open_disputes));
}

// --- the parcels waiting for the commune -----------------------------------------------------

async function drawAwaiting() {
  const page = await api("GET", `desks/wards/${ward}/awaiting?limit=${PAGE}&offset=${from}`);
  today = page.today;
  const body = $("ward-awaiting").querySelector("tbody");
  body.replaceChildren();
  for (const p of page.parcels) {
    const row = document.createElement("tr");
    row.dataset.parcel = p.id;
    cell(row, number(p.sheet_no));
    cell(row, number(p.parcel_no));
    cell(row, p.address || "—");
    cell(row, p.land_uses.map((u) => u.code).join(", ") || "—");
    cell(row, LABELS.status[p.status] || p.status);
    cell(row, number(p.age_days));
    cell(row, p.backlog_reasons.map((r) => LABELS.backlog[r] || r).join("; ") || "—");
    const actions = cell(row, "");
    actions.append(
      button("Xác nhận", `Xác nhận nguồn gốc ${key(p)}`, () => openOrigin(p)),
      " ",
      button("Ghi lý do", `Ghi lý do chưa xác nhận được ${key(p)}`, () => openBacklog(p)),
    );
    body.append(row);
  }
  const last = Math.min(from + page.parcels.length, page.total);
  $("ward-awaiting-caption").textContent = page.total
    ? `${number(page.total)} thửa chờ xác nhận, lâu nhất trước: ${number(from + 1)}–${number(last)}`
    : "Không còn thửa nào chờ xác nhận.";
  $("awaiting-page").textContent = page.total ? `Trang ${Math.floor(from / PAGE) + 1}` : "";
  $("awaiting-previous").disabled = from === 0;
  $("awaiting-next").disabled = last >= page.total;
}

async function openOrigin(parcel) {
  closeForms();
  chosen = parcel;
  const origins = await cachedGet("land-origin-types");
  $("origin-title").textContent = `Xác nhận nguồn gốc, thời điểm sử dụng đất: ${key(parcel)}`;
  const uses = $("origin-uses");
  uses.replaceChildren();
  for (const use of parcel.land_uses) {
    const id = `origin-use-${use.code}`;
    const label = document.createElement("label");
    label.htmlFor = id;
    label.textContent = `Nguồn gốc của đất ${use.code}`;
    const select = document.createElement("select");
    select.id = id;
    select.dataset.code = use.code;
    for (const o of origins) select.append(new Option(`${o.code} – ${o.name}`, o.code));
    if (use.origin_codes && use.origin_codes.length) select.value = use.origin_codes[0];
    uses.append(label, select);
  }
  $("origin-on").value = dayText(today);
  $("origin-form").hidden = false;
  $("origin-since").focus();
}

async function confirmOrigin(event) {
  event.preventDefault();
  const since = $("origin-since").value.trim();
  const body = {
    origin_confirmed: $("origin-confirmed").checked,
    time_of_use_confirmed: $("time-confirmed").checked,
    land_use_since: since ? typedDay(since) : null,
    land_uses: [...$("origin-uses").querySelectorAll("select")].map((s) => ({
      code: s.dataset.code, origin_codes: [s.value],
    })),
    confirmed_on: typedDay($("origin-on").value),
    document: $("origin-document").value.trim(),
  };
  if (body.time_of_use_confirmed && !since) {
    message("Xác nhận thời điểm sử dụng đất cần ngày bắt đầu sử dụng đất.", "error");
    $("origin-since").focus();
    return;
  }
  if ((since && !body.land_use_since) || !body.confirmed_on) {
    message("Hãy nhập ngày theo dạng ngày/tháng/năm, ví dụ 15/07/1993.", "error");
    return;
  }
  if (!body.document) {
    message("Hãy nhập số văn bản xác nhận của UBND xã, phường.", "error");
    $("origin-document").focus();
    return;
  }
  try {
    await api("PUT", `parcels/${chosen.id}/origin`, body, { "If-Match": `"${chosen.version}"` });
    message(`Đã ghi xác nhận nguồn gốc ${key(chosen)}.`);
    closeForms();
    await reload();
  } catch (problem) {
    fail(problem);
  }
}

function openBacklog(parcel) {
  closeForms();
  chosen = parcel;
  $("backlog-title").textContent = `Ghi lý do chưa xác nhận được: ${key(parcel)}`;
  $("backlog-form").hidden = false;
  $("backlog-reason").focus();
}

async function saveBacklog(event) {
  event.preventDefault();
  const reason = $("backlog-reason").value;
  const note = $("backlog-note").value.trim() || null;
  // the set replaces the previous one: keep the reasons already recorded
  const reasons = chosen.backlog_reasons.filter((r) => r !== reason).map((r) => ({ reason: r }));
  reasons.push({ reason, note });
  try {
    await api("PUT", `parcels/${chosen.id}/backlog-reasons`, { reasons }, { "If-Match": `"${chosen.version}"` });
    message(`Đã ghi lý do cho ${key(chosen)}.`);
    closeForms();
    await reload();
  } catch (problem) {
    fail(problem);
  }
}

// --- disputes -----------------------------------------------------------------------------

async function drawDisputes() {
  const found = await api("GET", `desks/wards/${ward}/disputes`);
  const body = $("ward-disputes").querySelector("tbody");
  body.replaceChildren();
  for (const d of found.disputes) {
    const row = document.createElement("tr");
    row.dataset.dispute = d.id;
    row.dataset.parcel = d.parcel_id;
    cell(row, `${d.parcel_no} / tờ ${d.sheet_no}`);
    cell(row, LABELS.dispute_kind[d.kind] || d.kind);
    cell(row, d.description);
    cell(row, d.parties.join("; ") || "—");
    cell(row, dayText(d.opened_on));
    cell(row, number(d.age_days));
    cell(row, "").append(button("Giải quyết", `Giải quyết tranh chấp ${key(d)}`, () => openResolve(d)));
    body.append(row);
  }
  if (!found.disputes.length) {
    const row = document.createElement("tr");
    cell(row, "Không có tranh chấp nào đang mở.").colSpan = 7;
    body.append(row);
  }
}

function openResolve(dispute) {
  closeForms();
  chosen = dispute;
  $("resolve-title").textContent = `Giải quyết tranh chấp: ${key(dispute)}`;
  $("resolve-on").value = dayText(today);
  $("resolve-form").hidden = false;
  $("resolve-text").focus();
}

async function resolve(event) {
  event.preventDefault();
  const body = { resolution: $("resolve-text").value.trim(), resolved_on: typedDay($("resolve-on").value) };
  if (!body.resolved_on || body.resolution.length < 3) {
    message("Hãy nhập kết quả giải quyết và ngày giải quyết (ngày/tháng/năm).", "error");
    return;
  }
  try {
    await api("POST", `disputes/${chosen.id}/resolve`, body, { "If-Match": `"${chosen.version}"` });
    message(`Đã ghi kết quả giải quyết tranh chấp ${key(chosen)}.`);
    closeForms();
    $("resolve-text").value = "";
    await reload();
  } catch (problem) {
    fail(problem);
  }
}

async function openDispute(event) {
  event.preventDefault();
  const form = event.target;
  const sheet = form.elements.sheet.value.trim();
  const number_ = form.elements.number.value.trim();
  const opened = typedDay(form.elements.opened_on.value);
  if (!/^[0-9]+$/.test(sheet) || !/^[0-9]+$/.test(number_) || !opened) {
    message("Hãy nhập số tờ, số thửa (số) và ngày phát sinh (ngày/tháng/năm).", "error");
    return;
  }
  try {
    const found = await api("GET", `parcels/find?commune=${ward}&sheet=${sheet}&number=${number_}`);
    const parcel = found.parcels.find((p) => !p.retired && p.ward_code === ward);
    if (!parcel) {
      message(`Xã, phường không có thửa ${number_}, tờ ${sheet}.`, "error");
      return;
    }
    const parties = form.elements.parties.value.split(";").map((s) => s.trim()).filter(Boolean);
    await api("POST", `parcels/${parcel.id}/disputes`, {
      opened_on: opened, kind: form.elements.kind.value,
      description: form.elements.description.value.trim(), parties,
    });
    message(`Đã ghi nhận tranh chấp ở ${key(parcel)}.`);
    form.reset();
    await reload();
  } catch (problem) {
    fail(problem);
  }
}

// --- the desk -----------------------------------------------------------------------------

function closeForms() {
  for (const id of ["origin-form", "backlog-form", "resolve-form"]) $(id).hidden = true;
}

// the ward's complaints still to answer, with the oldest's age; the list is their own page
async function drawComplaints() {
  const box = $("ward-complaints");
  box.hidden = !mayHandleComplaints();
  if (box.hidden) return;
  const open = await api("GET", `complaints?ward=${ward}&${OPEN.map((s) => `status=${s}`).join("&")}`);
  const oldest = open.reduce((m, c) => Math.max(m, c.age_days), 0);
  const link = $("ward-complaints-link");
  link.href = `workbench#/complaints?ward=${ward}`;
  link.textContent = open.length
    ? `${number(open.length)} phản ánh chưa trả lời xong, lâu nhất ${number(oldest)} ngày`
    : "Không có phản ánh nào đang chờ trả lời";
  box.dataset.open = String(open.length);
}

async function reload() {
  await Promise.all([drawProgress(), drawAwaiting(), drawDisputes(), drawComplaints()]);
}

export function mayUseWardDesk() {
  return state.current !== null && LABELS.personal_roles.includes(state.current.role);
}

export function startWardDesk() {
  for (const [code, label] of Object.entries(LABELS.backlog)) {
    if (!LABELS.staff_backlog.includes(code)) continue;
    $("backlog-reason").append(new Option(label, code));
  }
  for (const [code, label] of Object.entries(LABELS.dispute_kind)) $("dispute-kind").append(new Option(label, code));
  $("origin-form").addEventListener("submit", confirmOrigin);
  $("backlog-form").addEventListener("submit", saveBacklog);
  $("resolve-form").addEventListener("submit", resolve);
  $("dispute-form").addEventListener("submit", openDispute);
  for (const id of ["origin-cancel", "backlog-cancel", "resolve-cancel"]) $(id).addEventListener("click", closeForms);
  $("awaiting-previous").addEventListener("click", () => { from = Math.max(0, from - PAGE); drawAwaiting().catch(fail); });
  $("awaiting-next").addEventListener("click", () => { from += PAGE; drawAwaiting().catch(fail); });
  $("ward-code").addEventListener("change", () => { location.hash = `#/ward?code=${$("ward-code").value}`; });
  // back to the page: what another officer did meanwhile shows without a reload by hand
  whenBack("ward", () => (ward ? reload().catch(fail) : null));
}

export async function showWardDesk(params) {
  const own = state.current.role === "ward_officer";
  const named = await wards();
  const choice = $("ward-code");
  await fillWards(choice);
  ward = own ? state.current.ward_code : params.get("code") || choice.value || named[0].code;
  choice.value = ward;
  $("ward-choice").hidden = own;
  const name = named.find((w) => w.code === ward)?.name || ward;
  $("ward-title").textContent = `Việc của xã, phường: ${name}`;
  from = 0;
  closeForms();
  await reload();
  document.body.dataset.wardDesk = ward;
}
