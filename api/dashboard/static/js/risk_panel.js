// 预测预警: the open risk alerts of the chosen unit (GET /api/v1/risks), each with its rule, its
// figures and the cases behind it; acknowledged like every alert (POST /alerts/{id}/ack).
import { get, post, vocab } from "./api.js";
import { formatTime, h, link, replaceChildren, toast } from "./dom.js";
import { own, pick, t } from "./i18n.js";
import { caseHref } from "./case_lists.js";
import { unitName } from "./units.js";

export function fetchOpenRisks(unitId) {
  return get("/risks", { unit_id: unitId, acknowledged: false, limit: 50 });
}

function riskItem(risk, onAcknowledged) {
  const button = h("button", { type: "button", class: "ack-button" }, t("ack"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await post(`/alerts/${encodeURIComponent(risk.alert_id)}/ack`);
      toast(t("acked"), { kind: "ok", seconds: 3 });
      onAcknowledged(risk);
    } catch (error) {
      button.disabled = false;
      toast(`${t("failed")}: ${error.message}`, { kind: "error" });
    }
  });
  const label = pick(own(vocab().risk_rules, risk.rule), risk.rule_label);
  return h(
    "li",
    { class: `alert-item risk-item risk-${risk.rule}`, dataset: { testid: "risk-item", rule: risk.rule, alertId: risk.alert_id } },
    h(
      "div",
      { class: "alert-head" },
      h("span", { class: "badge badge-risk" }, label),
      h("span", { class: "muted small" }, unitName(risk.unit_id)),
      button,
    ),
    h("div", { class: "alert-message" }, risk.message),
    risk.case_ids.length
      ? h("div", { class: "small" }, `${t("risk_cases")}: `, risk.case_ids.map((id) => [link(caseHref(id), id), " "]))
      : null,
    h("div", { class: "muted small" }, formatTime(risk.updated_at)),
  );
}

export function renderRisks(box, page, { onAcknowledged }) {
  const items = page?.items ?? [];
  const count = h("span", { class: "count", dataset: { testid: "risk-count" } }, String(items.length));
  const done = (risk) => {
    box.querySelector(`[data-alert-id="${CSS.escape(risk.alert_id)}"]`)?.remove();
    count.textContent = String(box.querySelectorAll(".risk-item").length);
    onAcknowledged(risk);
  };
  const list = items.length
    ? h("ul", { class: "alert-list" }, items.map((risk) => riskItem(risk, done)))
    : h("p", { class: "muted" }, t("none"));
  replaceChildren(box, h("h2", {}, t("risk_panel"), " ", count), list);
}

export function renderRisksError(box, error) {
  replaceChildren(box, h("h2", {}, t("risk_panel")), h("p", { class: "error" }, `${t("load_failed")}: ${error.message}`));
}
