// Finding a parcel: by its key (ward, sheet, number), by address, by a holder's name (for
// the roles allowed to read personal data), or by clicking it on the map.
import { LABELS, api, cell, fillWards, message, number, say, state } from "./api.js";
import { registerMap } from "./map.js";

let map = null;

const $ = (id) => document.getElementById(id);

function mayReadPersonal() {
  return state.current !== null && LABELS.personal_roles.includes(state.current.role);
}

async function loadWards() {
  await fillWards($("find-commune"));
}

function wanted() {
  const query = new URLSearchParams();
  for (const name of ["commune", "sheet", "number", "address", "holder"]) {
    const field = $("find-form").elements[name];
    const value = field.value.trim();
    if (value && !(name === "holder" && !mayReadPersonal())) query.set(name, value);
  }
  return query;
}

async function find(event) {
  event.preventDefault();
  const query = wanted();
  if ([...query.keys()].length === 0) {
    message("Hãy nhập ít nhất một điều kiện: xã, phường, số tờ, số thửa, địa chỉ hoặc tên.", "error");
    return;
  }
  for (const name of ["sheet", "number"]) {
    if (query.has(name) && !/^[0-9]{1,9}$/.test(query.get(name))) {
      message(name === "sheet" ? "Số tờ bản đồ phải là số." : "Số thửa phải là số.", "error");
      $(`find-${name}`).focus();
      return;
    }
  }
  query.set("limit", "50");
  try {
    const found = await api("GET", `parcels/find?${query}`);
    message("");
    drawResults(found);
  } catch (problem) {
    message(say(problem), "error");
  }
}

function drawResults(found) {
  const table = $("find-results");
  const body = table.querySelector("tbody");
  const personal = found.parcels.some((p) => "holders" in p);
  $("find-holder-column").hidden = !personal;
  body.replaceChildren();
  for (const parcel of found.parcels) {
    const row = document.createElement("tr");
    row.dataset.parcel = parcel.id;
    cell(row, parcel.ward_name);
    cell(row, number(parcel.sheet_no));
    cell(row, number(parcel.parcel_no));
    cell(row, parcel.address || "—");
    cell(row, number(parcel.area_m2));
    cell(row, (LABELS.status[parcel.status] || parcel.status) + (parcel.retired ? " (đã ngừng sử dụng)" : ""));
    if (personal) cell(row, (parcel.holders || []).join("; ") || "—");
    const link = document.createElement("a");
    link.href = `workbench#/parcel?id=${parcel.id}`;
    link.textContent = "Xem thửa";
    link.setAttribute("aria-label", `Xem thửa ${parcel.parcel_no}, tờ ${parcel.sheet_no}, ${parcel.ward_name}`);
    cell(row, "").append(link);
    body.append(row);
  }
  table.hidden = false;
  $("find-caption").textContent = found.parcels.length
    ? `Tìm thấy ${number(found.parcels.length)} thửa${found.more ? " (còn nữa: hãy thu hẹp điều kiện)" : ""}.`
    : "Không tìm thấy thửa nào.";
}

export function startSearch() {
  $("find-form").addEventListener("submit", find);
}

export async function showSearch() {
  $("find-holder-field").hidden = !mayReadPersonal();
  await loadWards();
  if (!map) {
    map = await registerMap($("find-map"), {
      onParcel: (id) => { location.hash = `#/parcel?id=${id}`; },
    });
  }
  map.map.updateSize();
}
