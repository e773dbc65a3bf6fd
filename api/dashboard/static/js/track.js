// The petitioners' tracking page (/track): a tracking code in, the case's state and dates out,
// from the public GET /api/v1/track/{code} (no sign-in, nothing personal). A code typed in is
// sent to the API only; /track/{code} (the link texted at registration) opens that case at once.
// Below the state: what happens next and by when, and the online actions (track_online.js).
import { h, replaceChildren } from "./dom.js";
import { onlinePanel } from "./track_online.js";
import { loadVocabulary } from "./api.js";
import { lang, own, pick, setLang, t, translateShell } from "./i18n.js";
import { formatTime } from "./time.js";

const form = document.getElementById("track-form");
const result = document.getElementById("track-result");
const codeInput = document.getElementById("tracking-code");
const online = document.getElementById("track-online");
let last = null; // the last answer, redrawn when the language changes
let states = {};
loadVocabulary()
  .then((vocabulary) => {
    states = vocabulary.states;
  })
  .catch(() => {}); // without it the API's Chinese label is shown

function row(key, value) {
  return [h("dt", {}, t(key)), h("dd", {}, value)];
}

function show(answer, notice = "") {
  last = answer;
  result.hidden = false;
  online.hidden = true;
  if (answer.error) {
    replaceChildren(result, h("p", { class: "error", role: "alert", dataset: { testid: "track-error" } }, answer.error));
    return;
  }
  const step = lang() === "en" ? answer.next_step_en : answer.next_step;
  replaceChildren(
    result,
    h("h2", { dataset: { testid: "track-state" } }, pick(own(states, answer.state), answer.state_label)),
    step
      ? h("p", { class: "track-next", dataset: { testid: "track-next" } },
          h("strong", {}, `${t("track_next")}：`), step,
          answer.next_step_due_at ? h("span", { class: "nowrap" }, ` （${t("track_next_due")} ${formatTime(answer.next_step_due_at)}）`) : null)
      : null,
    h(
      "dl",
      { class: "snapshot" },
      row("tracking_code", answer.tracking_code),
      row("track_unit", answer.unit_name),
      row("track_registered", formatTime(answer.created_at)),
      row("track_updated", formatTime(answer.updated_at)),
      row("next_due", answer.paused ? t("track_paused") : formatTime(answer.next_due_at)),
    ),
  );
  replaceChildren(online, onlinePanel(answer, show, notice));
  online.hidden = false;
}

async function lookUp(code) {
  const response = await fetch(`/api/v1/track/${encodeURIComponent(code)}`, {
    headers: { Accept: "application/json", "Accept-Language": lang() },
  });
  const body = await response.json().catch(() => ({}));
  show(response.ok ? body : { error: body.detail ?? `HTTP ${response.status}` });
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = codeInput.value.replace(/\s+/g, "").toUpperCase();
  if (!code) return;
  await lookUp(code);
});

document.getElementById("lang-switch").addEventListener("click", () => {
  setLang(lang() === "en" ? "zh" : "en");
  showLanguage();
  if (last && !last.error) show(last);
});

function showLanguage() {
  translateShell();
  document.title = `${t("track_title")} · petitionflow`;
  document.getElementById("lang-switch").textContent = lang() === "en" ? "中文" : "English";
}

setLang(lang());
showLanguage();
// /track/{code}: the link texted at registration
const linked = decodeURIComponent(location.pathname.split("/")[2] ?? "");
if (linked) {
  codeInput.value = linked;
  lookUp(linked.toUpperCase());
}
