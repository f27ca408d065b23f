// Dossiers returned as incomplete, on the registry officers' desk: the notices of a period
// (of a ward or the town), each printable as the written notice of return handed to the
// applicant with the papers still missing.
import {
  ROOT, api, cell, dayText, fillWards, message, say, typedDay, wards,
} from "./api.js";

const $ = (id) => document.getElementById(id);
let wardNames = {};
let wardTitles = {}; // "phường Nếnh", as a letter names it

function period() {
  const query = new URLSearchParams();
  for (const [name, id] of [["from", "returned-from"], ["to", "returned-to"]]) {
    const raw = $(id).value.trim();
    if (!raw) continue;
    const day = typedDay(raw);
    if (!day) throw new Error(`Ngày "${raw}" chưa đúng dạng ngày/tháng/năm.`);
    query.set(name, day);
  }
  if ($("returned-ward").value) query.set("ward", $("returned-ward").value);
  return query;
}

async function draw() {
  const query = period();
  const found = await api("GET", `reports/returned?${query}`);
  const csv = new URLSearchParams(query);
  csv.set("format", "csv");
  $("returned-csv").href = new URL(`reports/returned?${csv}`, ROOT).href;
  const body = $("returned-table").querySelector("tbody");
  body.replaceChildren();
  // newest first: the notice just written is the one to print
  for (const n of [...found.notices].reverse()) {
    const row = document.createElement("tr");
    row.dataset.parcel = n.parcel_id;
    row.dataset.notice = n.notice_no;
    cell(row, dayText(n.notice_date));
    cell(row, n.notice_no);
    cell(row, wardNames[n.ward_code] || n.ward_code);
    cell(row, String(n.sheet_no));
    cell(row, String(n.parcel_no));
    cell(row, n.missing_items.join("; "));
    cell(row, n.returned_by);
    const b = document.createElement("button");
    b.type = "button";
    b.textContent = "Thông báo";
    b.setAttribute("aria-label", `Xem và in thông báo trả hồ sơ số ${n.notice_no}`);
    b.addEventListener("click", () => notice(n).catch(fail));
    cell(row, "").append(b);
    body.append(row);
  }
  $("returned-caption").textContent =
    `Từ ${dayText(found.from)} đến ${dayText(found.to)}: ${found.total} lượt trả hồ sơ, ${found.parcels} thửa.`;
  $("returned-table").dataset.total = found.total;
}

async function notice(n) {
  // the applicant: the parcel's holders, for a role that may read them
  const parcel = await api("GET", `parcels/${n.parcel_id}`);
  const holders = (parcel.properties.holders || []).map((h) => h.name).filter(Boolean);
  $("return-notice-no").textContent = `Số: ${n.notice_no}`;
  const [y, m, d] = n.notice_date.split("-");
  $("return-notice-day").textContent = `ngày ${d} tháng ${m} năm ${y}`;
  $("return-notice-to").textContent = `Kính gửi: ${holders.length ? holders.join(", ") : "người nộp hồ sơ"}.`;
  const ward = wardTitles[n.ward_code] || n.ward_code;
  const address = parcel.properties.address ? `, địa chỉ ${parcel.properties.address}` : "";
  $("return-notice-parcel").textContent =
    `Hồ sơ đăng ký, cấp Giấy chứng nhận của thửa đất số ${n.parcel_no}, tờ bản đồ số ${n.sheet_no}, ${ward}${address}.`;
  $("return-notice-items").replaceChildren(...n.missing_items.map((item) => {
    const li = document.createElement("li");
    li.textContent = item;
    return li;
  }));
  $("return-notice-copied").textContent = n.copied_to ? `Nơi nhận bản sao: ${n.copied_to}.` : "";
  $("return-notice-by").textContent = n.returned_by;
  $("return-notice").hidden = false;
  $("return-notice").dataset.notice = n.notice_no;
  $("return-notice").scrollIntoView({ block: "start" });
  $("return-notice-print").focus();
}

function fail(problem) {
  message(problem.status ? say(problem) : problem.message, "error");
}

export function startReturned() {
  $("returned-form").addEventListener("submit", (event) => {
    event.preventDefault();
    draw().catch(fail);
  });
  $("return-notice-print").addEventListener("click", () => {
    document.body.dataset.printing = "notice";
    window.print();
  });
  $("return-notice-close").addEventListener("click", () => { $("return-notice").hidden = true; });
}

export async function showReturned(today) {
  wardNames = Object.fromEntries((await wards()).map((w) => [w.code, w.name]));
  wardTitles = Object.fromEntries((await wards()).map((w) => [w.code, `${w.kind === "phuong" ? "phường" : "xã"} ${w.name}`]));
  await fillWards($("returned-ward"));
  if (!$("returned-to").value) $("returned-to").value = dayText(today);
  if (!$("returned-from").value) $("returned-from").value = dayText(`${today.slice(0, 4)}-01-01`);
  await draw();
}
