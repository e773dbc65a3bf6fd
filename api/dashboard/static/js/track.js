// The petitioners' tracking page (/track): a tracking code in, the case's state and dates out,
// from the public GET /api/v1/track/{code} (no sign-in, nothing personal). The code is sent to
// the API only; the page's own address never carries it.
import { h, replaceChildren } from "./dom.js";
import { loadVocabulary } from "./api.js";
import { lang, own, pick, setLang, t, translateShell } from "./i18n.js";
import { formatTime } from "./time.js";

const form = document.getElementById("track-form");
const result = document.getElementById("track-result");
const codeInput = document.getElementById("tracking-code");
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

function show(answer) {
  last = answer;
  result.hidden = false;
  if (answer.error) {
    replaceChildren(result, h("p", { class: "error", role: "alert", dataset: { testid: "track-error" } }, answer.error));
    return;
  }
  replaceChildren(
    result,
    h("h2", { dataset: { testid: "track-state" } }, pick(own(states, answer.state), answer.state_label)),
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
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const code = codeInput.value.replace(/\s+/g, "").toUpperCase();
  if (!code) return;
  const response = await fetch(`/api/v1/track/${encodeURIComponent(code)}`, {
    headers: { Accept: "application/json", "Accept-Language": lang() },
  });
  const body = await response.json().catch(() => ({}));
  show(response.ok ? body : { error: body.detail ?? `HTTP ${response.status}` });
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
