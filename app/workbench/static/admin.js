// The admin's pages beside the staff accounts: the API keys that programs call the service
// with (made, shown once, revoked), and the Directive 30 targets of the town and each ward.
import {
  LABELS, api, cell, dateTime, fillWards, message, say, state, todayIso, wards,
} from "./api.js";

const $ = (id) => document.getElementById(id);
const PERCENT = new Intl.NumberFormat("vi-VN", { maximumFractionDigits: 1 });
let shownYear = null; // the year the targets' table shows

export function isAdmin() {
  return state.current !== null && state.current.role === "admin";
}

function fail(problem) {
  message(problem.status ? say(problem) : problem.message, "error");
}

// --- API keys -------------------------------------------------------------------------------

async function drawKeys() {
  const keys = await api("GET", "api-keys");
  const body = $("keys-table").querySelector("tbody");
  body.replaceChildren();
  for (const k of keys) {
    const row = document.createElement("tr");
    row.dataset.key = k.id;
    row.dataset.revoked = String(k.revoked_at !== null);
    cell(row, String(k.id));
    cell(row, k.name);
    cell(row, LABELS.role[k.role] || k.role);
    cell(row, k.ward_code || "—");
    cell(row, dateTime(k.created_at));
    cell(row, k.revoked_at ? `Đã thu hồi ${dateTime(k.revoked_at)}` : "Đang dùng");
    const td = cell(row, "");
    if (!k.revoked_at) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = "Thu hồi";
      b.setAttribute("aria-label", `Thu hồi khóa số ${k.id} (${k.name})`);
      b.addEventListener("click", () => revoke(k).catch(fail));
      td.append(b);
    }
    body.append(row);
  }
}

async function revoke(k) {
  if (!window.confirm(`Thu hồi khóa "${k.name}"? Phần mềm đang dùng khóa này sẽ không gọi được dịch vụ nữa.`)) return;
  await api("DELETE", `api-keys/${k.id}`);
  message(`Đã thu hồi khóa số ${k.id} (${k.name}).`);
  await drawKeys();
}

async function makeKey(event) {
  event.preventDefault();
  const form = event.target;
  const body = { name: form.elements.name.value.trim(), role: form.elements.role.value };
  if (form.elements.ward_code.value) body.ward_code = form.elements.ward_code.value;
  if (!body.name) {
    message("Hãy nhập tên người hoặc phần mềm dùng khóa.", "error");
    return;
  }
  const made = await api("POST", "api-keys", body);
  form.reset();
  $("key-value").textContent = made.key;
  $("key-made").hidden = false;
  message(`Đã tạo khóa số ${made.id} cho ${made.name}. Hãy chép khóa ngay: khóa chỉ hiện lần này.`);
  await drawKeys();
}

export async function showKeys() {
  $("key-made").hidden = true;
  $("key-value").textContent = "";
  await fillWards($("key-ward"));
  await drawKeys();
}

// --- targets --------------------------------------------------------------------------------

function year() {
  const y = Number($("target-year").value);
  if (!Number.isInteger(y) || y < 2000 || y > 2100) throw new Error("Năm phải từ 2000 đến 2100.");
  return y;
}

// "40" or "40,5" (per cent) as a share 0..1, or an error in words
function share(text) {
  const value = Number(String(text).trim().replace(",", "."));
  if (!String(text).trim() || !Number.isFinite(value) || value < 0 || value > 100) {
    throw new Error("Chỉ tiêu là một tỷ lệ phần trăm từ 0 đến 100.");
  }
  return Math.round(value * 10) / 1000;
}

function percent(value) {
  return value === null || value === undefined ? "—" : PERCENT.format(value * 100);
}

async function drawTargets() {
  const y = year();
  const [targets, named] = await Promise.all([api("GET", "stats/targets"), wards()]);
  const ofYear = targets.filter((t) => t.year === y);
  const town = ofYear.find((t) => t.ward_code === null);
  // the town's field shows the year's target when the year changes, not over what is typed
  if (shownYear !== y) $("target-town").value = town ? percent(town.share) : "";
  shownYear = y;
  $("targets-caption").textContent = town
    ? `Năm ${y}: chỉ tiêu chung của thị xã ${percent(town.share)}%.`
    : `Năm ${y}: chưa đặt chỉ tiêu chung của thị xã.`;
  const body = $("targets-table").querySelector("tbody");
  body.replaceChildren();
  for (const w of named) {
    const own = ofYear.find((t) => t.ward_code === w.code);
    const row = document.createElement("tr");
    row.dataset.ward = w.code;
    const name = document.createElement("th");
    name.scope = "row";
    name.textContent = `${w.name} (${w.code})`;
    row.append(name);
    cell(row, percent(own ? own.share : town?.share)).className = "applied";
    const input = document.createElement("input");
    input.inputMode = "decimal";
    input.size = 6;
    input.value = own ? percent(own.share) : "";
    input.setAttribute("aria-label", `Chỉ tiêu riêng năm ${y} của ${w.name} (%)`);
    cell(row, "").append(input);
    const td = cell(row, "");
    const set = document.createElement("button");
    set.type = "button";
    set.textContent = "Ghi";
    set.setAttribute("aria-label", `Ghi chỉ tiêu riêng của ${w.name}`);
    set.addEventListener("click", () => setWard(w, input.value).catch(fail));
    td.append(set);
    if (own) {
      const drop = document.createElement("button");
      drop.type = "button";
      drop.className = "secondary";
      drop.textContent = "Bỏ chỉ tiêu riêng";
      drop.setAttribute("aria-label", `Bỏ chỉ tiêu riêng của ${w.name}`);
      drop.addEventListener("click", () => dropWard(w).catch(fail));
      td.append(" ", drop);
    }
    body.append(row);
  }
}

async function setTown(event) {
  event.preventDefault();
  const y = year();
  const saved = await api("PUT", `stats/targets/${y}`, { share: share($("target-town").value) });
  message(`Đã đặt chỉ tiêu năm ${y} của thị xã: ${percent(saved.share)}%.`);
  shownYear = null;
  await drawTargets();
}

async function setWard(w, text) {
  const y = year();
  const saved = await api("PUT", `stats/targets/${y}/wards/${w.code}`, { share: share(text) });
  message(`Đã đặt chỉ tiêu riêng năm ${y} của ${w.name}: ${percent(saved.share)}%.`);
  await drawTargets();
}

async function dropWard(w) {
  const y = year();
  await api("DELETE", `stats/targets/${y}/wards/${w.code}`);
  message(`Đã bỏ chỉ tiêu riêng năm ${y} của ${w.name}: áp dụng chỉ tiêu chung của thị xã.`);
  await drawTargets();
}

export async function showTargets() {
  if (!$("target-year").value) $("target-year").value = todayIso().slice(0, 4);
  await drawTargets();
}

export function startAdmin() {
  const roles = $("key-role");
  for (const [value, label] of Object.entries(LABELS.role)) roles.append(new Option(label, value));
  $("key-form").addEventListener("submit", (event) => makeKey(event).catch(fail));
  $("target-year-form").addEventListener("submit", (event) => setTown(event).catch(fail));
  $("target-year").addEventListener("change", () => drawTargets().catch(fail));
}
