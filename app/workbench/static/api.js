// What every part of the workbench shares: the API client (session cookie, CSRF token on
// writes), what users read of a refusal, and dates and numbers the Vietnamese way.

export const LABELS = JSON.parse(document.getElementById("labels").textContent);
export const ROOT = new URL(".", document.baseURI); // the app's root, whatever the path prefix
// the signed-in session (GET /session), or null; `onExpired` is called when it ends
export const state = { current: null, onExpired: () => {} };

// --- talking to the API ------------------------------------------------------------------

export class Problem extends Error {
  constructor(status, body) {
    super(body.detail || `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.slug = (body.type || "").split("/").pop();
  }
}

export async function api(method, path, body, extra = {}) {
  const headers = { Accept: "application/json", ...extra };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && state.current) headers["X-CSRF-Token"] = state.current.csrf_token;
  const response = await fetch(new URL(path, ROOT), {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const problem = new Problem(response.status, data);
    if (problem.slug === "session-expired" && state.current) state.onExpired();
    throw problem;
  }
  return data;
}

// A GET whose answer does not change while the page is open (code lists, the wards): asked
// once, shared by every part of the page.
const asked = new Map();
export function cachedGet(path) {
  if (!asked.has(path)) {
    asked.set(path, api("GET", path).catch((problem) => {
      asked.delete(path);
      throw problem;
    }));
  }
  return asked.get(path);
}

// Back to the page (the window focused again, or its tab shown again) while `view` is shown:
// call `refresh`, so what another officer did meanwhile shows without a reload by hand.
export function whenBack(view, refresh) {
  const back = () => {
    if (document.body.dataset.view === view && document.visibilityState === "visible") {
      Promise.resolve(refresh()).then(() => { document.body.dataset.refreshed = view; });
    }
  };
  window.addEventListener("focus", back);
  document.addEventListener("visibilitychange", back);
}

// The wards, by name: [{code, name, kind}] (no boundaries: the maps draw them from tiles).
export function wards() {
  return cachedGet("wards/names");
}

// Fill a <select> with the wards once, "Name (code)", after the options it already has.
export async function fillWards(select) {
  if (select.dataset.filled) return;
  for (const w of await wards()) select.append(new Option(`${w.name} (${w.code})`, w.code));
  select.dataset.filled = "true";
}

// --- what users read ----------------------------------------------------------------------

const WEAK = {
  too_short: `Mật khẩu phải có ít nhất ${LABELS.min_password_length} ký tự.`,
  too_long: "Mật khẩu quá dài.",
  contains_user_name: "Mật khẩu không được chứa tên đăng nhập.",
  too_simple: "Mật khẩu quá đơn giản: hãy dùng nhiều ký tự khác nhau hơn.",
};

export function say(problem) {
  const body = problem.body || {};
  switch (problem.slug) {
    case "invalid-credentials":
      return "Tên đăng nhập hoặc mật khẩu không đúng.";
    case "too-many-attempts": {
      const seconds = Number(body.retry_after_s || 0);
      return body.locked
        ? `Tài khoản tạm khóa vì đăng nhập sai nhiều lần. Hãy thử lại sau ${Math.ceil(seconds / 60)} phút.`
        : `Đăng nhập sai nhiều lần liên tiếp. Hãy chờ ${seconds} giây rồi thử lại.`;
    }
    case "session-expired":
      return "Phiên làm việc đã hết hạn. Hãy đăng nhập lại.";
    case "weak-password":
      return WEAK[body.rule] || "Mật khẩu mới chưa đạt yêu cầu.";
    case "forbidden":
      return "Bạn không có quyền thực hiện thao tác này.";
    case "account-exists":
      return "Tên đăng nhập này đã có người dùng.";
    case "ward-mismatch":
      return "Chỉ tài khoản cán bộ địa chính xã, phường mới gắn với một xã, phường (và phải có).";
    case "unknown-ward":
      return "Không có xã, phường với mã này.";
    case "precondition-failed":
      return "Thửa (hoặc hồ sơ) này vừa được người khác cập nhật. Đã tải lại thông tin mới nhất; hãy xem lại rồi ghi lại.";
    case "transition-refused":
      return `Không thực hiện được: ${LABELS.refusal[body.rule] || problem.message}`;
    case "day-out-of-range":
      return `Ngày không hợp lệ: ${problem.message}`;
    case "transfer-broken":
      return "Việc tải tệp lên bị ngắt (tệp quá lớn, hoặc mất kết nối). Hãy thử lại.";
    case "upload-too-large":
    case "too-large":
      return `Tệp quá lớn: ${problem.message}`;
    default:
      return `Máy chủ từ chối (${problem.status}): ${problem.message}`;
  }
}

// The fields a version changed, by their names on the page.
export function changeNames(changes) {
  return Object.keys(changes || {}).map((k) => LABELS.parcel_field[k] || k).join(", ");
}

// What a version of a parcel did (its `action`), in words.
export function actionLabel(action) {
  const [verb, to] = action.split(":");
  const label = LABELS.history_action[verb] || action;
  return to ? `${label}: ${LABELS.status[to] || to}` : label;
}

// A save refused because another officer changed the parcel since it was read (412): who
// changed it, when, what, and where it stands now.
export async function whatChanged(parcelId, hadVersion) {
  const [versions, now] = await Promise.all([
    api("GET", `parcels/${parcelId}/history`), api("GET", `parcels/${parcelId}`),
  ]);
  const newer = versions.filter((v) => v.version > hadVersion).map((v) => {
    const fields = changeNames(v.changes);
    return `${dateTime(v.valid_from)}, ${v.actor}: ${actionLabel(v.action)}${fields ? ` (${fields})` : ""}`;
  });
  const status = LABELS.status[now.properties.status] || now.properties.status;
  return `Thửa đã được người khác cập nhật sau khi bạn mở: ${newer.join("; ")}. `
    + `Hiện nay: ${status} (phiên bản ${now.properties.version}). Hãy xem lại rồi thao tác lại.`;
}

export function message(text, kind = "info") {
  const box = document.getElementById("message");
  box.textContent = text;
  box.dataset.kind = kind;
}

const DATE_TIME = new Intl.DateTimeFormat("vi-VN", {
  timeZone: "Asia/Ho_Chi_Minh",
  day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
  hour12: false,
});

export function dateTime(iso) {
  if (!iso) return "—";
  const parts = Object.fromEntries(DATE_TIME.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}


// "dd/mm/yyyy" (d/m/yyyy too) as "yyyy-mm-dd", or null when it is no date of the calendar
export function typedDay(text) {
  const found = /^\s*([0-9]{1,2})\/([0-9]{1,2})\/([0-9]{4})\s*$/.exec(text);
  if (!found) return null;
  const [d, m, y] = found.slice(1).map(Number);
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) return null;
  return `${y}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

// "yyyy-mm-dd" (a calendar day) as "dd/mm/yyyy"
export function dayText(iso) {
  if (!iso) return "—";
  const [y, m, d] = iso.slice(0, 10).split("-");
  return `${d}/${m}/${y}`;
}

// today in Vietnam as "yyyy-mm-dd"
export function todayIso() {
  const parts = Object.fromEntries(DATE_TIME.formatToParts(new Date()).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day}`;
}

const NUMBER = new Intl.NumberFormat("vi-VN");

export function number(value) {
  return value === null || value === undefined ? "—" : NUMBER.format(value);
}

export function cell(row, text) {
  const td = document.createElement("td");
  td.textContent = text;
  row.append(td);
  return td;
}

// A form with a file, sent with the transfer's progress (fetch cannot report it).
export function sendForm(path, form, onProgress = () => {}) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open("POST", new URL(path, ROOT));
    request.setRequestHeader("Accept", "application/json");
    if (state.current) request.setRequestHeader("X-CSRF-Token", state.current.csrf_token);
    request.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    request.addEventListener("load", () => {
      let data = {};
      try {
        data = JSON.parse(request.responseText || "{}");
      } catch {
        data = {};
      }
      if (request.status >= 200 && request.status < 300) {
        resolve(data);
        return;
      }
      const problem = new Problem(request.status, data);
      if (problem.slug === "session-expired" && state.current) state.onExpired();
      reject(problem);
    });
    // the server may refuse a file too large before it has all of it, and close the line
    request.addEventListener("error", () =>
      reject(new Problem(0, { type: "/problems/transfer-broken", detail: "" })));
    request.send(form);
  });
}
