// The tracking page's online actions: a one-time code texted to the phone on file, then a rating
// (feedback) or a review request with it, and the documents delivered online (网上送达) downloaded
// with it. Which actions show comes from the API's online_actions (the lifecycle machine's answer
// for the petitioner); the code goes in the body, never a URL.
import { h } from "./dom.js";
import { lang, t } from "./i18n.js";

const RATINGS = ["satisfied", "basically_satisfied", "unsatisfied"];
let typedCode = ""; // kept while the page redraws: one code serves a rating and a request

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST",
    headers: { Accept: "application/json", "Content-Type": "application/json", "Accept-Language": lang() },
    body: JSON.stringify(body ?? {}),
  });
  const answer = await response.json().catch(() => ({}));
  return { ok: response.ok, answer, error: answer.detail ?? `HTTP ${response.status}` };
}

function noticeLine(notice) {
  return notice ? h("p", { class: "track-notice", role: "status", dataset: { testid: "track-notice" } }, notice) : null;
}

function status(testid) {
  return h("p", { class: "muted small", role: "status", dataset: { testid } });
}

/** The online card for a tracking answer; ``done(answer, notice)`` redraws the page with the new
 * state and says the action was taken (``notice``, shown at the top of the card). */
export function onlinePanel(answer, done, notice = "") {
  const code = encodeURIComponent(answer.tracking_code);
  const actions = answer.online_actions ?? [];
  const documents = answer.documents ?? [];
  if (!actions.length && !documents.length) {
    return h("section", { class: "card track-online", dataset: { testid: "track-online" } },
      h("h2", {}, t("track_online")), noticeLine(notice), h("p", { class: "muted" }, t("track_no_online")));
  }
  const otp = h("input", {
    id: "track-otp", inputmode: "numeric", autocomplete: "one-time-code", maxlength: "6",
    pattern: "[0-9]{6}", value: typedCode || undefined, dataset: { testid: "track-otp" },
    oninput: () => { typedCode = otp.value.trim(); },
  });
  const codeStatus = status("track-code-status");
  const getCode = h("button", {
    type: "button", dataset: { testid: "track-get-code" },
    onclick: async () => {
      getCode.disabled = true;
      const { ok, answer: sent, error } = await post(`/api/v1/track/${code}/otp`);
      codeStatus.className = ok ? "muted small" : "error small";
      codeStatus.textContent = ok ? t("track_code_sent", { minutes: Math.round(sent.expires_in_seconds / 60) }) : error;
      getCode.disabled = false;
    },
  }, t("track_get_code"));

  const forms = [];
  if (actions.includes("feedback")) forms.push(ratingForm(code, otp, done));
  const review = actions.find((a) => a === "request_review" || a === "request_re_review");
  if (review) forms.push(reviewForm(code, otp, review, done));
  return h(
    "section",
    { class: "card track-online", dataset: { testid: "track-online" } },
    h("h2", {}, t("track_online")),
    noticeLine(notice),
    h("p", { class: "muted small" }, t("track_online_hint")),
    h("div", { class: "otp-row" },
      h("label", { for: "track-otp" }, t("track_otp")), otp, getCode),
    codeStatus,
    documents.length ? documentList(documents, otp) : null,
    forms,
    actions.length ? null : h("p", { class: "muted" }, t("track_no_online")),
  );
}

/** The documents delivered online (网上送达): each downloaded with the code in the body, handed
 * to the browser as a file (the PDF names the petitioner: never cached, never in a URL). */
function documentList(documents, otp) {
  const line = status("track-documents-status");
  const item = (doc) => h("li", { dataset: { testid: "track-document" } },
    h("span", { class: "track-document-kind" }, lang() === "en" ? doc.kind_label_en : doc.kind_label),
    " ", h("span", { class: "nowrap" }, doc.number),
    doc.delivered_on ? h("span", { class: "muted small nowrap" }, ` ${t("track_delivered_on")} ${doc.delivered_on}`) : null,
    h("button", {
      type: "button", dataset: { testid: "track-download" },
      onclick: (event) => fetchPdf(doc, otp.value.trim(), line, event.currentTarget),
    }, t("track_download")));
  return h("section", { class: "track-documents", dataset: { testid: "track-documents" } },
    h("h3", {}, t("track_documents")),
    h("p", { class: "muted small" }, t("track_documents_hint")),
    h("ul", { class: "track-document-list" }, documents.map(item)),
    line);
}

async function fetchPdf(doc, otp, line, button) {
  button.disabled = true;
  try {
    const response = await fetch(doc.download_url, {
      method: "POST",
      headers: { Accept: "application/pdf, application/problem+json", "Content-Type": "application/json", "Accept-Language": lang() },
      body: JSON.stringify({ otp }),
    });
    if (!response.ok) {
      const problem = await response.json().catch(() => ({}));
      line.className = "error small";
      line.textContent = problem.detail ?? `HTTP ${response.status}`;
      return;
    }
    const url = URL.createObjectURL(await response.blob());
    const anchor = h("a", { href: url, download: `${doc.number}.pdf`, hidden: true });
    document.body.append(anchor);
    anchor.click();
    anchor.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    line.className = "muted small";
    line.textContent = t("track_downloaded");
  } finally {
    button.disabled = false;
  }
}

function submitted(form, result, done) {
  return async (event) => {
    event.preventDefault();
    const button = form.querySelector("button[type=submit]");
    button.disabled = true;
    const { ok, answer, error } = await result();
    button.disabled = false;
    const line = form.querySelector("[role=status]");
    line.className = ok ? "muted small" : "error small";
    line.textContent = ok ? t("track_done") : error;
    if (ok) done(answer, t("track_done"));
  };
}

function ratingForm(code, otp, done) {
  const rating = h("select", { id: "track-rating", dataset: { testid: "track-rating" } },
    RATINGS.map((r) => h("option", { value: r }, t(`rating_${r}`))));
  const note = h("textarea", { id: "track-rating-note", rows: "2", maxlength: "4000" });
  const form = h("form", { class: "action-form", dataset: { testid: "track-rate-form" } },
    h("h3", {}, t("track_rate")),
    h("label", { for: "track-rating" }, t("track_rating")), rating,
    h("label", { for: "track-rating-note" }, t("track_note")), note,
    h("button", { type: "submit", class: "primary", dataset: { testid: "track-send-rating" } }, t("track_send_rating")),
    status("track-rate-status"));
  form.addEventListener("submit", submitted(form, () => post(`/api/v1/track/${code}/feedback`, {
    otp: otp.value.trim(), rating: rating.value, note: note.value,
  }), done));
  return form;
}

function reviewForm(code, otp, action, done) {
  const note = h("textarea", { id: "track-review-note", rows: "2", maxlength: "4000" });
  const title = action === "request_re_review" ? "track_re_review" : "track_review";
  const form = h("form", { class: "action-form", dataset: { testid: "track-review-form" } },
    h("h3", {}, t(title)),
    h("label", { for: "track-review-note" }, t("track_review_note")), note,
    h("button", { type: "submit", class: "primary", dataset: { testid: "track-send-review" } }, t("track_send_review")),
    status("track-review-status"));
  form.addEventListener("submit", submitted(form, () => post(`/api/v1/track/${code}/review-request`, {
    otp: otp.value.trim(), note: note.value,
  }), done));
  return form;
}
