// The staff workbench: a client of the registry's API, in Vietnamese.
// Signed in with the session cookie; every write sends the session's CSRF token.
import { LABELS, api, dateTime, message, say, state } from "./api.js";
import { isAdmin, showKeys, showTargets, startAdmin } from "./admin.js";
import { mayReadAudit, showAudit, startAudit } from "./audit_log.js";
import { mayHandleComplaints, showComplaints, startComplaints } from "./complaints_desk.js";
import { showParcel, startParcel } from "./parcel_page.js";
import { showSearch, startSearch } from "./parcel_search.js";
import { showDesk, startDesk } from "./upload.js";
import { mayUseRegistryDesk, showRegistryDesk, startRegistryDesk } from "./registry_desk.js";
import { mayUseWardDesk, showWardDesk, startWardDesk } from "./ward_desk.js";

const SAVED_FORMS = "workbench.saved-forms";

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
  state.current = null;
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
  for (const section of document.querySelectorAll("main > section")) {
    section.hidden = section.dataset.view !== name;
  }
  document.getElementById("nav").hidden = state.current === null;
  const heading = document.querySelector(`section[data-view="${name}"] h1`);
  if (heading) document.title = `${heading.textContent} – Sổ đăng ký thửa đất`;
}

async function render() {
  const { name, params } = route();
  if (state.current === null && name !== "sign-in") {
    location.hash = `#/sign-in?next=${encodeURIComponent(location.hash || "#/")}`;
    return;
  }
  if (name === "sign-in") {
    show("sign-in");
    document.getElementById("user-name").focus();
  } else if (name === "account") {
    fillAccount();
    show("account");
  } else if (name === "accounts" && state.current.role === "admin") {
    show("accounts");
    await loadAccounts();
  } else if (name === "keys" && isAdmin()) {
    show("keys");
    await showKeys();
  } else if (name === "targets" && isAdmin()) {
    show("targets");
    await showTargets();
  } else if (name === "complaints" && mayHandleComplaints()) {
    show("complaints");
    await showComplaints(params);
  } else if (name === "audit" && mayReadAudit()) {
    show("audit");
    await showAudit(params);
  } else if (name === "parcels") {
    show("parcels");
    await showSearch();
  } else if (name === "parcel") {
    show("parcel");
    await showParcel(params);
  } else if (name === "registry" && mayUseRegistryDesk()) {
    show("registry");
    await showRegistryDesk();
  } else if (name === "ward" && mayUseWardDesk()) {
    show("ward");
    await showWardDesk(params);
  } else if (name === "upload" && mayImport()) {
    show("upload");
    await showDesk(params);
  } else {
    fillHome();
    show("home");
  }
  restoreForms();
  document.body.dataset.view = document.querySelector("main section:not([hidden])").dataset.view;
}

function mayImport() {
  return state.current !== null && LABELS.import_roles.includes(state.current.role);
}

function fillHeader() {
  for (const [id, allowed] of [
    ["accounts", isAdmin()], ["keys", isAdmin()], ["targets", isAdmin()],
    ["complaints", mayHandleComplaints()], ["audit", mayReadAudit()],
  ]) {
    document.getElementById(`nav-${id}`).hidden = !allowed;
    document.getElementById(`home-${id}`).hidden = !allowed;
  }
  document.getElementById("nav-upload").hidden = !mayImport();
  document.getElementById("nav-ward").hidden = !mayUseWardDesk();
  document.getElementById("nav-registry").hidden = !mayUseRegistryDesk();
  document.getElementById("home-registry").hidden = !mayUseRegistryDesk();
  document.getElementById("home-ward").hidden = !mayUseWardDesk();
  document.getElementById("home-upload").hidden = !mayImport();
  document.getElementById("who").textContent = state.current
    ? `${state.current.display_name} (${LABELS.role[state.current.role] || state.current.role})`
    : "";
}

function fillHome() {
  document.getElementById("greeting").textContent = `Xin chào, ${state.current.display_name}`;
  const ward = state.current.ward_code ? `, xã/phường ${state.current.ward_code}` : "";
  document.getElementById("home-role").textContent =
    `Vai trò: ${LABELS.role[state.current.role] || state.current.role}${ward}.`;
}

function fillAccount() {
  document.getElementById("account-user").textContent = state.current.user_name;
  document.getElementById("account-name").textContent = state.current.display_name;
  document.getElementById("account-role").textContent = LABELS.role[state.current.role] || state.current.role;
  document.getElementById("account-ward").textContent = state.current.ward_code || "—";
  document.getElementById("account-expires").textContent = dateTime(state.current.expires_at);
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
    state.current = await api("POST", "session", { user_name, password });
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
  state.current = null;
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
  state.onExpired = expired;
  startDesk();
  startSearch();
  startParcel();
  startWardDesk();
  startRegistryDesk();
  startComplaints();
  startAudit();
  startAdmin();
  window.addEventListener("hashchange", () => render().catch((p) => message(say(p), "error")));
  try {
    state.current = await api("GET", "session");
  } catch (problem) {
    state.current = null;
  }
  fillHeader();
  await render();
  document.body.dataset.ready = "true";
}

start().catch((problem) => message(say(problem), "error"));
