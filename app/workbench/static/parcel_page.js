// The parcel page: the parcel on a map with its neighbours, where it is in the certificate's
// life cycle and what blocks the next steps, its land uses, holders (for the roles allowed),
// origin confirmation, disputes, backlog, history (and the parcel as of any date), audit
// events, downloads. Everything comes from the API, with the caller's permissions.
import {
  LABELS, ROOT, actionLabel, api, cachedGet, cell, changeNames, dateTime, message, number, say, state, wards,
  typedDay,
} from "./api.js";
import { registerMap } from "./map.js";

let map = null;
let shownId = null;

const $ = (id) => document.getElementById(id);
const DAY = new Intl.DateTimeFormat("vi-VN", {
  timeZone: "Asia/Ho_Chi_Minh", day: "2-digit", month: "2-digit", year: "numeric",
});

function day(value) {
  if (!value) return "—";
  // a date alone (YYYY-MM-DD) is a calendar day, not an instant
  const [y, m, d] = String(value).slice(0, 10).split("-");
  return /^[0-9]{4}$/.test(y) && String(value).length === 10 ? `${d}/${m}/${y}` : DAY.format(new Date(value));
}

function fact(list, term, value) {
  const dt = document.createElement("dt");
  dt.textContent = term;
  const dd = document.createElement("dd");
  dd.textContent = value;
  list.append(dt, dd);
  return dd;
}

// code -> name of the land uses, the land origins and the wards
async function names() {
  const [uses, origins, named] = await Promise.all(
    [cachedGet("land-use-types"), cachedGet("land-origin-types"), wards()]);
  return {
    landUse: Object.fromEntries(uses.map((u) => [u.code, u.name])),
    origin: Object.fromEntries(origins.map((o) => [o.code, o.name])),
    ward: Object.fromEntries(named.map((w) => [w.code, w.name])),
  };
}

// --- the parcel's own facts --------------------------------------------------------------

function drawFacts(feature) {
  const p = feature.properties;
  $("parcel-title").textContent =
    `Thửa đất số ${p.parcel_no}, tờ bản đồ số ${p.sheet_no}, ${p.ward_name || `xã, phường ${p.ward_code}`}`;
  document.title = `${$("parcel-title").textContent} – Sổ đăng ký thửa đất`;
  const facts = $("parcel-facts");
  facts.replaceChildren();
  fact(facts, "Trạng thái", LABELS.status[p.status] || p.status).dataset.status = p.status;
  fact(facts, "Xã, phường", p.ward_name ? `${p.ward_name} (${p.ward_code})` : p.ward_code);
  fact(facts, "Mã xã khi đo đạc", p.survey_commune_code);
  fact(facts, "Địa chỉ", p.address || "—");
  fact(facts, "Diện tích đo đạc", `${number(p.area_m2)} m²`);
  fact(facts, "Diện tích pháp lý", p.legal_area_m2 === null ? "—" : `${number(p.legal_area_m2)} m²`);
  if (p.certificate) {
    fact(facts, "Giấy chứng nhận", `Số phát hành ${p.certificate.serial}, số vào sổ ${p.certificate.register_no}`);
  }
  fact(facts, "Phiên bản", `${p.version}, từ ${dateTime(p.valid_from)}`);
  if (p.retired_at) fact(facts, "Ngừng sử dụng", `${dateTime(p.retired_at)} (${p.retired_reason})`);
  const asOf = new URLSearchParams({ crs: "EPSG:4326" });
  $("parcel-geojson").href = new URL(`parcels/${feature.id}?${asOf}`, ROOT).href;
  $("parcel-geojson").download = `thua-${p.survey_commune_code}-${p.sheet_no}-${p.parcel_no}.geojson`;
  $("parcel-gpkg").href = new URL(`parcels/export.gpkg?${new URLSearchParams({ filter: `id = ${feature.id}` })}`, ROOT).href;
}

function drawLifecycle(p, reached) {
  const list = $("parcel-lifecycle");
  list.replaceChildren();
  for (const status of LABELS.statuses) {
    const item = document.createElement("li");
    item.dataset.status = status;
    item.textContent = LABELS.status[status] || status;
    if (status === p.status) {
      item.setAttribute("aria-current", "step");
      item.classList.add("current");
    } else if (reached.has(status)) {
      item.classList.add("reached");
    }
    list.append(item);
  }
  const next = $("parcel-next");
  next.replaceChildren();
  for (const step of p.next_steps || []) {
    const item = document.createElement("li");
    item.dataset.status = step.status;
    const label = (LABELS.status[step.status] || step.status) + (step.reissue ? " (cấp đổi)" : "");
    if (step.blocked) {
      item.dataset.blocked = step.blocked.rule;
      item.textContent = `${label}: chưa được – ${LABELS.refusal[step.blocked.rule] || step.blocked.detail}`;
    } else {
      item.textContent = `${label}: có thể thực hiện.`;
    }
    next.append(item);
  }
  if (!next.children.length) {
    const item = document.createElement("li");
    item.textContent = p.retired_at ? "Thửa đã ngừng sử dụng." : "Không còn bước nào sau trạng thái này.";
    next.append(item);
  }
}

function drawLandUses(p, { landUse, origin }) {
  const body = $("parcel-land-uses").querySelector("tbody");
  body.replaceChildren();
  for (const use of p.land_uses || []) {
    const row = document.createElement("tr");
    cell(row, use.code);
    cell(row, landUse[use.code] || "—");
    cell(row, number(use.area_m2));
    cell(row, (use.origin_codes || []).map((c) => origin[c] || c).join("; ") || "—");
    body.append(row);
  }
}

function drawHolders(p) {
  const holders = p.holders || [];
  const named = holders.some((h) => "name" in h);
  $("parcel-holders-hidden").hidden = named || holders.length === 0;
  const body = $("parcel-holders").querySelector("tbody");
  body.replaceChildren();
  for (const holder of holders) {
    const row = document.createElement("tr");
    cell(row, named ? holder.name : "—");
    cell(row, LABELS.holder_kind[holder.kind] || holder.kind);
    cell(row, named ? holder.id_number || "—" : "—");
    body.append(row);
  }
}

function drawOrigin(p) {
  const list = $("parcel-origin");
  list.replaceChildren();
  fact(list, "Nguồn gốc sử dụng đất", p.origin_confirmed ? "Đã xác nhận" : "Chưa xác nhận");
  fact(list, "Thời điểm sử dụng đất", p.time_of_use_confirmed ? "Đã xác nhận" : "Chưa xác nhận");
  fact(list, "Sử dụng đất từ", day(p.land_use_since));
  const c = p.confirmation;
  if (c) {
    fact(list, "Văn bản xác nhận", c.document || "—");
    fact(list, "Ngày xác nhận", day(c.on));
    fact(list, "Người xác nhận", c.by || "—");
  }
}

function drawBacklog(p) {
  const list = $("parcel-backlog");
  list.replaceChildren();
  for (const reason of p.backlog || []) {
    const item = document.createElement("li");
    item.dataset.reason = reason;
    item.textContent = LABELS.backlog[reason] || reason;
    list.append(item);
  }
  if (!list.children.length) {
    const item = document.createElement("li");
    item.textContent = p.certified ? "Đã cấp Giấy chứng nhận." : "Không có lý do nào được ghi nhận.";
    list.append(item);
  }
}

// --- what is read beside the parcel ------------------------------------------------------

function drawDisputes(disputes) {
  const body = $("parcel-disputes").querySelector("tbody");
  body.replaceChildren();
  for (const d of disputes) {
    const row = document.createElement("tr");
    row.dataset.status = d.status;
    cell(row, LABELS.dispute_kind[d.kind] || d.kind);
    cell(row, d.description);
    cell(row, day(d.opened_on));
    cell(row, LABELS.dispute_status[d.status] || d.status);
    cell(row, d.resolution ? `${d.resolution} (${day(d.resolved_on)})` : "—");
    body.append(row);
  }
  if (!disputes.length) {
    const row = document.createElement("tr");
    cell(row, "Không có tranh chấp.").colSpan = 5;
    body.append(row);
  }
}

function drawHistory(id, versions, asOf) {
  const list = $("parcel-history");
  list.replaceChildren();
  const reached = new Set();
  for (const v of versions.slice().reverse()) {
    const item = document.createElement("li");
    item.dataset.version = v.version;
    const when = document.createElement("time");
    when.dateTime = v.valid_from;
    when.textContent = dateTime(v.valid_from);
    const what = document.createElement("span");
    const changed = changeNames(v.changes);
    what.textContent = ` – ${actionLabel(v.action)} – ${v.actor}${changed ? ` – thay đổi: ${changed}` : ""}`;
    const link = document.createElement("a");
    link.href = `workbench#/parcel?id=${id}&as_of=${encodeURIComponent(v.valid_from)}`;
    link.textContent = "Xem thửa lúc này";
    link.setAttribute("aria-label", `Xem thửa như phiên bản ${v.version}`);
    item.append(`Phiên bản ${v.version}: `, when, what, " ", link);
    if (asOf && v.valid_from <= asOf && (!v.valid_to || v.valid_to > asOf)) item.classList.add("shown");
    list.append(item);
    if (v.changes && v.changes.status) reached.add(v.changes.status.old);
  }
  return reached;
}

function mayReadAudit() {
  return state.current !== null && LABELS.audit_roles.includes(state.current.role);
}

function drawAudit(page) {
  $("parcel-audit-section").hidden = page === null;
  if (page === null) return;
  const body = $("parcel-audit").querySelector("tbody");
  body.replaceChildren();
  for (const event of page.events.slice().reverse()) {
    const row = document.createElement("tr");
    cell(row, dateTime(event.at));
    cell(row, event.actor);
    cell(row, actionLabel(event.action));
    body.append(row);
  }
}

// --- the page ------------------------------------------------------------------------------

function asOfInstant(params) {
  const value = params.get("as_of");
  if (!value) return null;
  // a day typed in the form: the end of that day, Vietnam time
  return /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(value) ? `${value}T23:59:59.999+07:00` : value;
}

export async function showParcel(params) {
  const id = Number(params.get("id"));
  if (!Number.isInteger(id) || id <= 0) {
    location.hash = "#/parcels";
    return;
  }
  const asOf = asOfInstant(params);
  const query = new URLSearchParams();
  if (asOf) query.set("as_of", asOf);
  let found;
  try {
    // every request at once: the page waits for the slowest, not for their sum
    found = await Promise.all([
      api("GET", `parcels/${id}?${query}`),
      api("GET", `parcels/${id}/history`),
      api("GET", `parcels/${id}/disputes`),
      mayReadAudit() ? api("GET", `audit?parcel=${id}&limit=200`) : null,
      names(),
    ]);
  } catch (problem) {
    message(problem.status === 404 && asOf
      ? `Thửa ${id} chưa có trong sổ vào thời điểm này.` : say(problem), "error");
    return;
  }
  const [feature, versions, disputes, audit, named] = found;
  feature.properties.ward_name = named.ward[feature.properties.ward_code] || null;
  shownId = id;
  delete $("parcel-title").dataset.parcel;
  drawFacts(feature);
  const note = $("parcel-as-of-note");
  note.hidden = !asOf;
  note.textContent = asOf
    ? `Thửa đất như lúc ${dateTime(asOf)} (phiên bản ${feature.properties.version}). Các mục tranh chấp và nhật ký bên dưới là hiện tại.`
    : "";
  const picked = params.get("as_of") || "";
  $("as-of-date").value = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/.test(picked) ? day(picked) : "";
  const reached = drawHistory(id, versions, asOf);
  drawLifecycle(feature.properties, reached);
  drawLandUses(feature.properties, named);
  drawHolders(feature.properties);
  drawOrigin(feature.properties);
  drawBacklog(feature.properties);
  drawDisputes(disputes);
  drawAudit(audit);
  if (!map) {
    map = await registerMap($("parcel-map"), {
      onParcel: (other) => { if (other !== shownId) location.hash = `#/parcel?id=${other}`; },
    });
  }
  map.show({ type: "FeatureCollection", features: [{ ...feature, properties: { kind: "parcel" } }] });
  map.fitAll();
  $("parcel-title").dataset.parcel = String(id); // drawn whole
}

export function startParcel() {
  $("as-of-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const value = typedDay($("as-of-date").value);
    if (!value) {
      message("Hãy nhập ngày cần xem theo dạng ngày/tháng/năm, ví dụ 15/03/2025.", "error");
      $("as-of-date").focus();
      return;
    }
    location.hash = `#/parcel?id=${shownId}&as_of=${value}`;
  });
  $("as-of-clear").addEventListener("click", () => { location.hash = `#/parcel?id=${shownId}`; });
}
