// Unacknowledged alerts (GET /api/v1/alerts?acknowledged=false), grouped per case: one line per
// case with its count and kinds, acknowledged together (POST /api/v1/alerts/ack), and each alert
// inside with its own button.
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

/** Alerts by case, newest case first (the list is newest first); channel alerts name no case. */
export function groupByCase(items) {
  const groups = new Map();
  for (const alert of items) {
    const key = alert.case_id || "";
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(alert);
  }
  return [...groups.entries()].map(([caseId, alerts]) => ({ caseId, alerts }));
}

function kindBadges(alerts) {
  const counts = new Map();
  for (const alert of alerts) counts.set(alert.kind, [(counts.get(alert.kind)?.[0] ?? 0) + 1, alert]);
  return [...counts.values()].map(([n, alert]) =>
    h("span", { class: `badge badge-${alert.kind}` }, `${alertKindLabel(alert)}${n > 1 ? ` ×${n}` : ""}`),
  );
}

function caseGroup({ caseId, alerts }, { onItemDone, onGroupDone }) {
  const ids = alerts.map((a) => a.alert_id);
  const ackAll = h("button", { type: "button", class: "ack-all", dataset: { testid: "ack-all" } }, t("ack_all"));
  ackAll.addEventListener("click", async (event) => {
    event.preventDefault(); // inside <summary>: do not toggle
    ackAll.disabled = true;
    try {
      await post("/alerts/ack", { alert_ids: ids });
      toast(t("acked_n", { count: ids.length }), { kind: "ok", seconds: 3 });
      onGroupDone(ids);
    } catch (error) {
      ackAll.disabled = false;
      toast(`${t("failed")}: ${error.message}`, { kind: "error" });
    }
  });
  const latest = alerts[0];
  const title = caseId ? link(caseHref(caseId), latest.title) : h("span", {}, t("no_case"));
  return h(
    "li",
    { class: "alert-group", dataset: { caseId, testid: "alert-group", count: alerts.length } },
    h(
      "details",
      {},
      h(
        "summary",
        { class: "alert-group-head" },
        h("span", { class: "alert-group-title" }, title),
        h("span", { class: "count" }, t("alerts_of_case", { count: alerts.length })),
        h("span", { class: "alert-group-kinds" }, kindBadges(alerts)),
        h("span", { class: "muted small" }, formatTime(latest.created_at)),
        ackAll,
      ),
      h("ul", { class: "alert-list" }, alerts.map((alert) => alertItem(alert, onItemDone))),
    ),
  );
}

export function renderAlerts(box, page, { onAcknowledged }) {
  const items = page?.items ?? [];
  const count = h("span", { class: "count", dataset: { testid: "alert-count" } }, String(items.length));
  const recount = () => {
    for (const group of box.querySelectorAll(".alert-group")) {
      const left = group.querySelectorAll(".alert-item").length;
      if (!left) group.remove();
      else {
        group.dataset.count = String(left);
        group.querySelector(".count").textContent = t("alerts_of_case", { count: left });
      }
    }
    count.textContent = String(box.querySelectorAll(".alert-item").length);
  };
  const handlers = {
    onItemDone: (done) => {
      box.querySelector(`[data-alert-id="${CSS.escape(done.alert_id)}"]`)?.remove();
      recount();
      onAcknowledged(done);
    },
    onGroupDone: (ids) => {
      for (const id of ids) box.querySelector(`[data-alert-id="${CSS.escape(id)}"]`)?.remove();
      recount();
      onAcknowledged(ids);
    },
  };
  const list = items.length
    ? h("ul", { class: "alert-groups" }, groupByCase(items).map((group) => caseGroup(group, handlers)))
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
