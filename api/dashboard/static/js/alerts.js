// Unacknowledged alerts (GET /api/v1/alerts?acknowledged=false) with an acknowledge button each.
import { get, post, vocab } from "./api.js";
import { formatTime, h, link, replaceChildren, toast } from "./dom.js";
import { pick, t } from "./i18n.js";
import { caseHref } from "./case_lists.js";
import { unitName } from "./units.js";

const LIST_LIMIT = 100;

export function fetchOpenAlerts(unitId) {
  return get("/alerts", { unit_id: unitId, acknowledged: false, limit: LIST_LIMIT });
}

export function alertKindLabel(alert) {
  return pick(vocab().alert_kinds[alert.kind], alert.kind_label || alert.kind);
}

function deliverySummary(alert) {
  const deliveries = alert.deliveries ?? [];
  if (!deliveries.length) return null;
  // The latest attempt per channel and target tells whether it reached someone.
  const latest = new Map();
  for (const d of deliveries) latest.set(`${d.channel}:${d.target}`, d);
  const parts = [...latest.values()].map(
    (d) => `${d.channel} ${d.status}${d.error ? ` (${d.error})` : ""}`,
  );
  return h("div", { class: "muted small" }, `${t("deliveries")}: ${parts.join("; ")}`);
}

function alertItem(alert, onAcknowledged) {
  const button = h("button", { type: "button", class: "ack-button" }, t("ack"));
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await post(`/alerts/${encodeURIComponent(alert.alert_id)}/ack`);
      toast(t("acked"), { kind: "ok", seconds: 3 });
      onAcknowledged(alert);
    } catch (error) {
      button.disabled = false;
      toast(`${t("failed")}: ${error.message}`, { kind: "error" });
    }
  });
  return h(
    "li",
    { class: `alert-item alert-${alert.kind}`, dataset: { alertId: alert.alert_id } },
    h(
      "div",
      { class: "alert-head" },
      h("span", { class: `badge badge-${alert.kind}` }, alertKindLabel(alert)),
      // a channel_failing alert is about a channel, not a case
      alert.case_id ? link(caseHref(alert.case_id), alert.title) : h("span", {}, alert.title),
      h("span", { class: "muted small" }, unitName(alert.unit_id)),
      button,
    ),
    h("div", { class: "alert-message" }, alert.message),
    h("div", { class: "muted small" }, formatTime(alert.created_at)),
    deliverySummary(alert),
  );
}

export function renderAlerts(box, page, { onAcknowledged }) {
  const items = page?.items ?? [];
  const count = h("span", { class: "count" }, String(items.length));
  const list = items.length
    ? h(
        "ul",
        { class: "alert-list" },
        items.map((alert) =>
          alertItem(alert, (done) => {
            box.querySelector(`[data-alert-id="${CSS.escape(done.alert_id)}"]`)?.remove();
            count.textContent = String(box.querySelectorAll(".alert-item").length);
            onAcknowledged(done);
          }),
        ),
      )
    : h("p", { class: "muted" }, t("none"));
  replaceChildren(box, h("h2", {}, t("list_alerts"), " ", count), list);
}

export function renderAlertsError(box, error) {
  replaceChildren(
    box,
    h("h2", {}, t("list_alerts")),
    h("p", { class: "error" }, `${t("load_failed")}: ${error.message}`),
  );
}
