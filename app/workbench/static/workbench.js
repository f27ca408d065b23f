// The staff workbench: a client of the registry's API, in Vietnamese.
// Signed in with the session cookie; every write sends the session's CSRF token.
"use strict";

const LABELS = JSON.parse(document.getElementById("labels").textContent);
const ROOT = new URL(".", document.baseURI); // the app's root, whatever the path prefix
const SAVED_FORMS = "workbench.saved-forms";
let current = null; // the signed-in session (GET /session), or null

// --- talking to the API ------------------------------------------------------------------

class Problem extends Error {
  constructor(status, body) {
    super(body.detail || `HTTP ${status}`);
    this.status = status;
    this.body = body;
    this.slug = (body.type || "").split("/").pop();
  }
}

async function api(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && current) headers["X-CSRF-Token"] = current.csrf_token;
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
    if (problem.slug === "session-expired" && current) expired();
    throw problem;
  }
  return data;
}

// --- what users read ----------------------------------------------------------------------

const WEAK = {
  too_short: `Mật khẩu phải có ít nhất ${LABELS.min_password_length} ký tự.`,
  too_long: "Mật khẩu quá dài.",
  contains_user_name: "Mật khẩu không được chứa tên đăng nhập.",
  too_simple: "Mật khẩu quá đơn giản: hãy dùng nhiều ký tự khác nhau hơn.",
};

function say(problem) {
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
    default:
      return `Máy chủ từ chối (${problem.status}): ${problem.message}`;
  }
}

function message(text, kind = "info") {
  const box = document.getElementById("message");
  box.textContent = text;
  box.dataset.kind = kind;
}

const DATE_TIME = new Intl.DateTimeFormat("vi-VN", {
  timeZone: "Asia/Ho_Chi_Minh",
  day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit",
  hour12: false,
});

function dateTime(iso) {
  if (!iso) return "—";
  const parts = Object.fromEntries(DATE_TIME.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return `${parts.day}/${parts.month}/${parts.year} ${parts.hour}:${parts.minute}`;
}

// --- forms survive a sign-in in the middle ------------------------------------------------

function saveForms() {
  const saved = {};
  for (const form of document.querySelectorAll("main section:not([hidden]) form")) {
    saved[form.id] = {};
    for (const field of form.elements) {
      if (field.type === "password") field.value = ""; // never kept, not even on the page
      else if (field.name) saved[form.id][field.name] = field.value;
    }
  }
  sessionStorage.setItem(SAVED_FORMS, JSON.stringify(saved));
}

function restoreForms() {
  const saved = JSON.parse(sessionStorage.getItem(SAVED_FORMS) || "{}");
  sessionStorage.removeItem(SAVED_FORMS);
  for (const [id, fields] of Object.entries(saved)) {
    const form = document.getElementById(id);
    if (!form) continue;
    for (const [name, value] of Object.entries(fields)) {
      if (form.elements[name]) form.elements[name].value = value;
    }
  }
}

function expired() {
  saveForms();
  current = null;
  const back = location.hash && !location.hash.startsWith("#/sign-in") ? location.hash : "#/";
  location.hash = `#/sign-in?next=${encodeURIComponent(back)}`;
  message(say({ slug: "session-expired" }), "error");
}

// --- views ----------------------------------------------------------------------------------

function route() {
  const [path, query] = (location.hash.replace(/^#/, "") || "/").split("?");
  return { name: path.replace(/^\//, "") || "home", params: new URLSearchParams(query || "") };
}

function show(name) {
  for (const section of document.querySelectorAll("main section")) {
    section.hidden = section.dataset.view !== name;
  }
  document.getElementById("nav").hidden = current === null;
  const heading = document.querySelector(`section[data-view="${name}"] h1`);
  if (heading) document.title = `${heading.textContent} – Sổ đăng ký thửa đất`;
}

async function render() {
  const { name, params } = route();
  if (current === null && name !== "sign-in") {
    location.hash = `#/sign-in?next=${encodeURIComponent(location.hash || "#/")}`;
    return;
  }
  if (name === "sign-in") {
    show("sign-in");
    document.getElementById("user-name").focus();
  } else if (name === "account") {
    fillAccount();
    show("account");
  } else if (name === "accounts" && current.role === "admin") {
    show("accounts");
    await loadAccounts();
  } else {
    fillHome();
    show("home");
  }
  restoreForms();
  document.body.dataset.view = document.querySelector("main section:not([hidden])").dataset.view;
  void params;
}

function fillHeader() {
  const isAdmin = current && current.role === "admin";
  document.getElementById("nav-accounts").hidden = !isAdmin;
  document.getElementById("home-accounts").hidden = !isAdmin;
  document.getElementById("who").textContent = current
    ? `${current.display_name} (${LABELS.role[current.role] || current.role})`
    : "";
}

function fillHome() {
  document.getElementById("greeting").textContent = `Xin chào, ${current.display_name}`;
  const ward = current.ward_code ? `, xã/phường ${current.ward_code}` : "";
  document.getElementById("home-role").textContent =
    `Vai trò: ${LABELS.role[current.role] || current.role}${ward}.`;
}

function fillAccount() {
  document.getElementById("account-user").textContent = current.user_name;
  document.getElementById("account-name").textContent = current.display_name;
  document.getElementById("account-role").textContent = LABELS.role[current.role] || current.role;
  document.getElementById("account-ward").textContent = current.ward_code || "—";
  document.getElementById("account-expires").textContent = dateTime(current.expires_at);
  document.getElementById("password-hint").textContent =
    `Ít nhất ${LABELS.min_password_length} ký tự, không chứa tên đăng nhập.`;
}

async function loadAccounts() {
  const rows = await api("GET", "accounts");
  const body = document.querySelector("#accounts-table tbody");
  body.replaceChildren();
  for (const account of rows) {
    const tr = document.createElement("tr");
    tr.dataset.user = account.user_name;
    const state = account.disabled_at
      ? "Đã vô hiệu hóa"
      : account.locked_until && new Date(account.locked_until) > new Date()
        ? `Tạm khóa đến ${dateTime(account.locked_until)}`
        : "Đang hoạt động";
    for (const text of [
      account.user_name, account.display_name, LABELS.role[account.role] || account.role,
      account.ward_code || "—", dateTime(account.last_sign_in_at), state,
    ]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    const td = document.createElement("td");
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = account.disabled_at ? "Kích hoạt lại" : "Vô hiệu hóa";
    button.setAttribute("aria-label", `${button.textContent} tài khoản ${account.user_name}`);
    button.addEventListener("click", () => toggle(account));
    td.append(button);
    tr.append(td);
    body.append(tr);
  }
}

async function toggle(account) {
  try {
    await api("PATCH", `accounts/${encodeURIComponent(account.user_name)}`, {
      disabled: !account.disabled_at,
    });
    message(account.disabled_at
      ? `Đã kích hoạt lại tài khoản ${account.user_name}.`
      : `Đã vô hiệu hóa tài khoản ${account.user_name}.`);
    await loadAccounts();
  } catch (problem) {
    message(say(problem), "error");
  }
}

// --- actions --------------------------------------------------------------------------------

function values(form) {
  return Object.fromEntries(new FormData(form).entries());
}

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  const { user_name, password } = values(form);
  if (!user_name || !password) {
    message("Hãy nhập tên đăng nhập và mật khẩu.", "error");
    return;
  }
  try {
    current = await api("POST", "session", { user_name, password });
    form.reset();
    fillHeader();
    message("");
    location.hash = route().params.get("next") || "#/";
    await render();
  } catch (problem) {
    form.elements.password.value = "";
    message(say(problem), "error");
  }
}

async function signOut() {
  try {
    await api("DELETE", "session");
  } catch (problem) {
    if (problem.slug !== "session-expired") message(say(problem), "error");
  }
  current = null;
  fillHeader();
  location.hash = "#/sign-in";
  message("Bạn đã đăng xuất.");
}

async function changePassword(event) {
  event.preventDefault();
  const form = event.target;
  const { current_password, new_password, new_password_again } = values(form);
  if (new_password !== new_password_again) {
    message("Hai lần nhập mật khẩu mới không khớp.", "error");
    return;
  }
  try {
    await api("PUT", "session/password", { current_password, new_password });
    form.reset();
    message("Đã đổi mật khẩu. Các phiên đăng nhập khác của bạn đã kết thúc.");
  } catch (problem) {
    message(problem.slug === "invalid-credentials"
      ? "Mật khẩu hiện tại không đúng." : say(problem), "error");
  }
}

async function createAccount(event) {
  event.preventDefault();
  const form = event.target;
  const body = values(form);
  if (!body.ward_code) body.ward_code = null;
  try {
    const made = await api("POST", "accounts", body);
    form.reset();
    message(`Đã tạo tài khoản ${made.user_name}.`);
    await loadAccounts();
  } catch (problem) {
    message(say(problem), "error");
  }
}

// --- start ----------------------------------------------------------------------------------

async function start() {
  const roles = document.getElementById("new-role");
  for (const [value, label] of Object.entries(LABELS.role)) {
    roles.append(new Option(label, value));
  }
  document.getElementById("sign-in-form").addEventListener("submit", signIn);
  document.getElementById("password-form").addEventListener("submit", changePassword);
  document.getElementById("account-form").addEventListener("submit", createAccount);
  document.getElementById("sign-out").addEventListener("click", signOut);
  window.addEventListener("hashchange", () => render().catch((p) => message(say(p), "error")));
  try {
    current = await api("GET", "session");
  } catch (problem) {
    current = null;
  }
  fillHeader();
  await render();
  document.body.dataset.ready = "true";
}

start().catch((problem) => message(say(problem), "error"));
