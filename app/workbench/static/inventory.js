// The monthly custody inventory, on the registry officers' desk: started for a ward (or
// the town) on a day with every certificate in custody that day, ticked one by one as the
// certificates are found in the cabinets, closed (those not ticked are recorded missing),
// printed and downloaded as the inventory record.
import {
  ROOT, api, cell, dateTime, dayText, fillWards, message, number, say, typedDay, wards,
} from "./api.js";

const $ = (id) => document.getElementById(id);
let shown = null; // the inventory on the page
let wardNames = {};

function scope(inventory) {
  return inventory.ward_code ? `${wardNames[inventory.ward_code] || inventory.ward_code}` : "Toàn thị xã";
}

function counts(c) {
  $("inventory-counts").textContent =
    `Tổng số ${number(c.listed)} Giấy chứng nhận: có ${number(c.found)}, không thấy ${number(c.missing)}, chưa kiểm ${number(c.unchecked)}.`;
  $("inventory-counts").dataset.found = c.found;
  $("inventory-counts").dataset.missing = c.missing;
  $("inventory-counts").dataset.unchecked = c.unchecked;
}

async function drawList() {
  const inventories = await api("GET", "custody-inventories?limit=20");
  const body = $("inventories").querySelector("tbody");
  body.replaceChildren();
  for (const inv of inventories) {
    const row = document.createElement("tr");
    row.dataset.inventory = inv.id;
    cell(row, dayText(inv.taken_on));
    cell(row, scope(inv));
    cell(row, number(inv.listed));
    cell(row, number(inv.found));
    cell(row, number(inv.missing));
    cell(row, number(inv.unchecked));
    cell(row, inv.closed_at ? `Đã kết thúc ${dateTime(inv.closed_at)}` : "Đang kiểm kê");
    const open = document.createElement("button");
    open.type = "button";
    open.textContent = "Mở";
    open.setAttribute("aria-label", `Mở lần kiểm kê ngày ${dayText(inv.taken_on)}, ${scope(inv)}`);
    open.addEventListener("click", () => show(inv.id).catch(fail));
    cell(row, "").append(open);
    body.append(row);
  }
}

async function show(id) {
  const inv = await api("GET", `custody-inventories/${id}`);
  shown = inv;
  const open = !inv.closed_at;
  $("inventory").hidden = false;
  $("inventory").dataset.inventory = inv.id;
  $("inventory-title").textContent =
    `Biên bản kiểm kê Giấy chứng nhận đã ký chưa trao – ${scope(inv)} – ngày ${dayText(inv.taken_on)}`;
  $("inventory-meta").textContent = `Bắt đầu ${dateTime(inv.started_at)}, ${inv.started_by}.`
    + (open ? " Đang kiểm kê." : ` Kết thúc ${dateTime(inv.closed_at)}, ${inv.closed_by}.`);
  counts(inv);
  const body = $("inventory-items").querySelector("tbody");
  body.replaceChildren();
  inv.items.forEach((item, n) => {
    const row = document.createElement("tr");
    row.dataset.certificate = item.certificate_id;
    cell(row, number(n + 1));
    cell(row, item.ward_name);
    cell(row, number(item.sheet_no));
    cell(row, number(item.parcel_no));
    cell(row, item.serial);
    cell(row, item.register_no);
    cell(row, dayText(item.signed_on));
    cell(row, item.custody_location);
    cell(row, number(item.days_held));
    const found = cell(row, "");
    if (open) {
      const box = document.createElement("input");
      box.type = "checkbox";
      box.checked = item.found === true;
      box.setAttribute("aria-label", `Có Giấy chứng nhận ${item.serial}`);
      box.addEventListener("change", () => tick(item, box).catch(fail));
      found.append(box);
    }
    const said = document.createElement("span");
    said.className = "found-text";
    said.textContent = item.found === null ? (open ? "" : "Chưa kiểm") : item.found ? "Có" : "Không thấy";
    found.append(" ", said);
    if (item.found === false) found.className = "found-false";
    cell(row, item.note || "");
    body.append(row);
  });
  $("inventory-close").hidden = !open;
  $("inventory-xlsx").href = new URL(`custody-inventories/${inv.id}.xlsx`, ROOT).href;
}

async function tick(item, box) {
  const row = box.closest("tr");
  try {
    const now = await api("PUT", `custody-inventories/${shown.id}/items/${item.certificate_id}`, {
      found: box.checked,
    });
    item.found = box.checked;
    row.querySelector(".found-text").textContent = box.checked ? "Có" : "";
    row.dataset.saved = String(box.checked);
    counts(now);
  } catch (problem) {
    box.checked = !box.checked;
    throw problem;
  }
}

async function start(event) {
  event.preventDefault();
  const day = typedDay($("inventory-day").value);
  if (!day) {
    message("Hãy nhập ngày kiểm kê theo dạng ngày/tháng/năm.", "error");
    $("inventory-day").focus();
    return;
  }
  const ward = $("inventory-ward").value || null;
  try {
    const inv = await api("POST", "custody-inventories", { ward_code: ward, taken_on: day });
    message(`Đã bắt đầu kiểm kê: ${number(inv.listed)} Giấy chứng nhận cần kiểm.`);
    await drawList();
    await show(inv.id);
  } catch (problem) {
    fail(problem);
  }
}

async function close() {
  if (!shown) return;
  try {
    const inv = await api("POST", `custody-inventories/${shown.id}/close`);
    message(`Đã kết thúc kiểm kê: có ${number(inv.found)}, không thấy ${number(inv.missing)}.`);
    await drawList();
    await show(inv.id);
  } catch (problem) {
    fail(problem);
  }
}

function fail(problem) {
  message(say(problem), "error");
}

export function startInventory() {
  $("inventory-form").addEventListener("submit", start);
  $("inventory-close").addEventListener("click", () => close());
  $("inventory-print").addEventListener("click", () => {
    document.body.dataset.printing = "inventory";
    window.print();
  });
}

export async function showInventories(today) {
  wardNames = Object.fromEntries((await wards()).map((w) => [w.code, w.name]));
  await fillWards($("inventory-ward"));
  if (!$("inventory-day").value) $("inventory-day").value = dayText(today);
  await drawList();
}
