// Boot: vocabulary, sign-in, the unit selector, the live stream, and a small router over
// /dashboard (overview) and /dashboard/cases/{id} (one case) that navigates without reloading.
import { loadVocabulary, unitsFor, vocab, whenUnauthorized } from "./api.js";
import { casePageView } from "./case_page.js";
import { h, replaceChildren, toast } from "./dom.js";
import { lang, pick, setLang, t, translateShell } from "./i18n.js";
import { startLive } from "./live.js";
import { overviewView } from "./overview.js";
import { forgetToken, keepToken, signedIn } from "./session.js";
import { loadUnits, mountUnitSelector, onUnitChange } from "./units.js";
import { alertKindLabel } from "./alerts.js";
import { caseHref } from "./case_lists.js";
import { caseListPageView } from "./case_list_page.js";
import { registrationView } from "./register.js";
import { backlogPageView } from "./backlog_page.js";

const view = document.getElementById("view");
const controls = document.getElementById("top-bar-controls");
const nav = document.getElementById("main-nav");
const liveStatus = document.getElementById("live-status");
let currentView = null;
let live = null;

/** Links of the form /dashboard#/cases/{id} (older alert messages) become the page's own. */
function adoptHashLink() {
  const match = location.hash.match(/^#\/cases\/([^/]+)$/);
  if (match) history.replaceState(null, "", `/dashboard/cases/${match[1]}`);
}

function caseIdFromPath() {
  const match = location.pathname.match(/^\/dashboard\/cases\/([^/]+)\/?$/);
  return match ? decodeURIComponent(match[1]) : null;
}

// The pages under /dashboard: the server answers each with the same shell.
const PAGES = {
  "/dashboard/cases": ["list", caseListPageView],
  "/dashboard/register": ["register", registrationView],
  "/dashboard/backlog": ["backlog", backlogPageView],
};

function route() {
  currentView?.dispose();
  const caseId = caseIdFromPath();
  const path = location.pathname.replace(/\/$/, "");
  const [name, render] = caseId
    ? ["case", (root) => casePageView(root, caseId)]
    : PAGES[path] ?? ["overview", overviewView];
  currentView = render(view);
  view.dataset.view = name;
  for (const anchor of nav.querySelectorAll("a")) {
    anchor.classList.toggle("current", anchor.dataset.nav === name);
  }
}

function navigate(href) {
  history.pushState(null, "", href);
  route();
  window.scrollTo(0, 0);
}

function showLiveStatus(state) {
  liveStatus.dataset.state = state;
  liveStatus.textContent =
    state === "on" ? t("live_on") : state === "connecting" ? t("live_connecting") : t("live_off");
}

function notifyAlert(alert) {
  const text = `${alertKindLabel(alert)}：${alert.title} — ${alert.message}`;
  toast(text, { kind: alert.kind, seconds: 10, onclick: () => navigate(caseHref(alert.case_id)) });
}

function startLiveUpdates() {
  live?.stop();
  live = startLive({
    status: showLiveStatus,
    alert: (alert) => {
      notifyAlert(alert);
      currentView?.onAlert(alert);
    },
    case: (change) => currentView?.onCase(change),
    unauthorized: () => signOut(t("session_expired")),
  });
}

function signInView(message) {
  controls.hidden = true;
  nav.hidden = true;
  const tokenInput = h("input", {
    type: "password",
    id: "token",
    name: "token",
    autocomplete: "off",
    required: true,
    dataset: { testid: "token-input" },
  });
  const remember = h("input", { type: "checkbox", id: "remember", name: "remember" });
  const status = h("p", { class: "error", role: "alert" }, message ?? "");
  const form = h(
    "form",
    { class: "card sign-in", dataset: { testid: "sign-in" } },
    h("h1", {}, t("sign_in_title")),
    h("p", { class: "muted" }, t("sign_in_hint")),
    h("label", { for: "token" }, t("token")),
    tokenInput,
    h("label", { class: "checkbox" }, remember, t("remember")),
    h("button", { type: "submit", class: "primary" }, t("sign_in")),
    status,
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const candidate = tokenInput.value.trim();
    if (!candidate) return;
    status.textContent = t("signing_in");
    try {
      const units = await unitsFor(candidate);
      keepToken(candidate, { remember: remember.checked });
      await enter(units);
    } catch (error) {
      status.textContent = error.status === 401 ? t("token_invalid") : error.message;
    }
  });
  replaceChildren(view, form);
  view.dataset.view = "sign-in";
  tokenInput.focus();
}

async function enter(preloadedUnits) {
  await loadUnits(preloadedUnits);
  mountUnitSelector(document.getElementById("unit-select"), vocab());
  controls.hidden = false;
  nav.hidden = false;
  startLiveUpdates();
  route();
}

function signOut(message) {
  live?.stop();
  live = null;
  currentView?.dispose();
  currentView = null;
  forgetToken();
  signInView(message);
}

function showLanguageSwitch() {
  document.getElementById("lang-switch").textContent = lang() === "en" ? "中文" : "English";
}

function relabelUnitSelector() {
  const select = document.getElementById("unit-select");
  if (select.options.length) mountUnitSelector(select, vocab());
}

function wireShell() {
  document.getElementById("lang-switch").addEventListener("click", () => {
    setLang(lang() === "en" ? "zh" : "en");
    translateShell();
    showLanguageSwitch();
    if (!signedIn()) return signInView();
    relabelUnitSelector();
    showLiveStatus(liveStatus.dataset.state);
    route();
  });
  document.getElementById("sign-out").addEventListener("click", () => signOut());
  // Links marked data-link change the view without a reload.
  document.addEventListener("click", (event) => {
    const anchor = event.target.closest("a[data-link]");
    if (!anchor || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(anchor.getAttribute("href"));
  });
  window.addEventListener("popstate", () => signedIn() && route());
  window.addEventListener("hashchange", () => {
    adoptHashLink();
    if (signedIn()) route();
  });
  // A case page belongs to no unit filter: choosing a unit goes back to the overview.
  onUnitChange(() => (caseIdFromPath() ? navigate("/dashboard") : currentView?.onUnitChange()));
  whenUnauthorized(() => signOut(t("session_expired")));
}

async function boot() {
  adoptHashLink();
  setLang(lang());
  await loadVocabulary();
  translateShell();
  showLanguageSwitch();
  wireShell();
  if (!signedIn()) return signInView();
  try {
    await enter();
  } catch (error) {
    if (error.status !== 401) signInView(`${t("load_failed")}: ${pick(error.message)}`);
  }
}

boot();
