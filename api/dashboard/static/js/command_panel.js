// The case's supervision orders (督办单) and its responsible leader (领导包案), from the snapshot:
// each order with who issued it, its answer time and whether it is answered (late or not).
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { formatTime } from "./time.js";
import { unitName } from "./units.js";

function userName(snapshot, id) {
  if (id === "system") return t("order_automatic");
  return snapshot.user_names?.[id] ?? id;
}

function leaderBlock(snapshot) {
  const leader = snapshot.leader;
  if (!leader) return h("p", { class: "muted", dataset: { testid: "case-leader" } }, t("no_leader"));
  return h(
    "dl",
    { class: "snapshot", dataset: { testid: "case-leader" } },
    h("dt", {}, t("leader")),
    h("dd", {}, userName(snapshot, leader.user_id)),
    h("dt", {}, t("plan")),
    h("dd", {}, leader.plan),
    h("dt", {}, t("target_date")),
    h("dd", {}, leader.target_date),
  );
}

function orderStatus(order) {
  if (order.open) return h("span", { class: "badge badge-risk" }, t("order_open"));
  return order.late
    ? h("span", { class: "badge badge-overdue" }, t("order_late"))
    : h("span", { class: "badge" }, t("order_answered"));
}

function orderItem(snapshot, order) {
  return h(
    "li",
    { class: "order", dataset: { testid: "case-order", orderId: order.id, open: String(order.open) } },
    h("strong", {}, order.id),
    " ",
    orderStatus(order),
    order.automatic ? h("span", { class: "badge" }, t("order_automatic")) : null,
    h("div", {}, order.instructions),
    h(
      "div",
      { class: "muted small" },
      `${t("issued_by_unit")}：${unitName(order.issuing_unit)} · ${userName(snapshot, order.issued_by)} · `,
      order.due_at ? t("order_due", { at: formatTime(order.due_at) }) : "",
    ),
    order.summary ? h("div", { class: "small" }, `${userName(snapshot, order.answered_by)}：${order.summary}`) : null,
  );
}

export function renderCommand(snapshot) {
  const orders = snapshot.orders ?? [];
  return h(
    "div",
    {},
    leaderBlock(snapshot),
    orders.length
      ? h("ul", { class: "orders", dataset: { testid: "case-orders" } }, orders.map((o) => orderItem(snapshot, o)))
      : h("p", { class: "muted", dataset: { testid: "case-orders" } }, t("no_orders")),
  );
}
