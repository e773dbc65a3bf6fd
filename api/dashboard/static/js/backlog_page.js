// The 积案 workbench (/dashboard/backlog): GET /api/v1/cases?backlog=true (the statistics' rule)
// or the open cases under supervision orders, in the selected unit's subtree, each with its 包案
// leader, plan and target date, its open orders and how many days it is overdue.
import { get } from "./api.js";
import { h, link, loading, replaceChildren } from "./dom.js";
import { t } from "./i18n.js";
import { caseHref } from "./case_lists.js";
import { daysBetween, formatTime } from "./time.js";
import { selectedUnit, unitName } from "./units.js";

const LIMIT = 100;
const TABS = {
  backlog: { title: "backlog_tab", params: { backlog: true } },
  orders: { title: "orders_tab", params: { open_orders: true, open: true } },
};

function daysOverdue(item, now = Date.now()) {
  const since = item.overdue ? (item.overdue_since ?? item.next_due_at) : null;
  return since ? t("days_n", { days: Math.max(daysBetween(Date.parse(since), now), 0) }) : "—";
}

function row(item, names) {
  const leader = item.leader;
  return h(
    "tr",
    { dataset: { caseId: item.case_id, testid: "backlog-row" } },
    h("td", { dataset: { label: t("title") } }, link(caseHref(item.case_id), item.title)),
    h("td", { dataset: { label: t("level") } }, unitName(item.unit_id)),
    h("td", { dataset: { label: t("leader"), testid: "backlog-leader" } }, leader ? (names[leader.user_id] ?? leader.user_id) : "—"),
    h("td", { dataset: { label: t("plan") } }, leader?.plan ?? "—"),
    h("td", { dataset: { label: t("target_date") } }, leader?.target_date ?? "—"),
    h(
      "td",
      { dataset: { label: t("open_orders"), testid: "backlog-orders" } },
      String(item.open_orders ?? 0),
      item.order_due_at ? h("div", { class: "muted small" }, formatTime(item.order_due_at)) : null,
    ),
    h("td", { dataset: { label: t("days_overdue"), testid: "backlog-overdue" } }, daysOverdue(item)),
  );
}

function table(items, names) {
  const heads = ["title", "level", "leader", "plan", "target_date", "open_orders", "days_overdue"];
  return h(
    "table",
    { class: "data-table case-table", dataset: { testid: "backlog-table" } },
    h("thead", {}, h("tr", {}, heads.map((k) => h("th", {}, t(k))))),
    h("tbody", {}, items.map((item) => row(item, names))),
  );
}

export function backlogPageView(root) {
  let tab = new URLSearchParams(location.search).get("tab") === "orders" ? "orders" : "backlog";
  const box = h("div", { dataset: { testid: "backlog-list" } }, loading());
  const tabs = h("p", { class: "tabs" });
  let names = {};
  let disposed = false;

  function drawTabs() {
    replaceChildren(
      tabs,
      Object.entries(TABS).map(([name, spec]) =>
        h(
          "button",
          {
            type: "button",
            class: name === tab ? "primary" : "",
            dataset: { testid: `backlog-tab-${name}` },
            onclick: () => {
              tab = name;
              history.replaceState(null, "", `/dashboard/backlog${name === "orders" ? "?tab=orders" : ""}`);
              drawTabs();
              load();
            },
          },
          t(spec.title),
        ),
      ),
    );
  }

  async function load() {
    try {
      const [page, users] = await Promise.all([
        get("/cases", { ...TABS[tab].params, unit_id: selectedUnit(), limit: LIMIT }),
        get("/users").catch(() => []),
      ]);
      names = Object.fromEntries(users.map((u) => [u.id, u.name || u.id]));
      if (disposed) return;
      replaceChildren(box, page.items.length ? table(page.items, names) : h("p", { class: "muted" }, t("none")));
    } catch (error) {
      replaceChildren(box, h("p", { class: "error" }, `${t("load_failed")}: ${error.message}`));
    }
  }

  replaceChildren(root, h("section", { class: "card", dataset: { testid: "backlog-page" } }, h("h1", {}, t("backlog_title")), tabs, box));
  drawTabs();
  load();
  // Live events gather for a moment, then one reload.
  let timer = null;
  const schedule = () => {
    if (!timer) timer = setTimeout(() => ((timer = null), load()), 500);
  };
  return {
    onAlert: schedule,
    onCase: schedule,
    onUnitChange: () => load(),
    dispose() {
      disposed = true;
      clearTimeout(timer);
    },
  };
}
