// 调解 on the case page: the mediator, the parties (masked as the snapshot gives them), each
// session, and how it ended — the agreement's terms (调解协议书) or the legal channel referred to.
import { vocab } from "./api.js";
import { h } from "./dom.js";
import { own, pick, t } from "./i18n.js";

function choice(value) {
  return pick(own(vocab().choices, value), value ?? "—");
}

function line(key, ...value) {
  return [h("dt", {}, t(key)), h("dd", {}, ...value)];
}

export function renderMediation(mediation) {
  if (!mediation) return null;
  const parties = mediation.parties.map(
    (p) => `${p.name}（${p.role}${p.kind === "organisation" ? ` · ${choice(p.kind)}` : ""}）`,
  );
  const sessions = mediation.sessions.length
    ? h("ol", { class: "mediation-sessions" }, mediation.sessions.map((s) => h("li", {}, `${s.held_on} ${s.summary}`)))
    : "—";
  return h(
    "dl",
    { class: "snapshot mediation", dataset: { testid: "mediation", outcome: mediation.outcome ?? "ongoing" } },
    line("mediator", mediation.mediator),
    line("mediation_parties", parties.join("、")),
    line("mediation_sessions", sessions),
    line("mediation_outcome", mediation.outcome ? choice(mediation.outcome) : t("mediation_ongoing")),
    mediation.terms ? line("mediation_terms", h("div", { class: "petition-text" }, mediation.terms)) : null,
    mediation.referral ? line("mediation_referral", choice(mediation.referral)) : null,
  );
}
