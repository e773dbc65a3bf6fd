// The overview a supervisor keeps open all day: KPI tiles, three charts, the at-risk and overdue
// lists and the unacknowledged alerts, for the unit chosen at the top (and its subtree).
import { fetchOpenAlerts, renderAlerts, renderAlertsError } from "./alerts.js";
import { fetchOpenRisks, renderRisks, renderRisksError } from "./risk_panel.js";
import { fetchCaseList, listHref, renderCaseList, renderListError } from "./case_lists.js";
import { ageingChart, levelSharesChart, weeklyChart } from "./charts.js";
import { formatPercent, h, replaceChildren } from "./dom.js";
import { t } from "./i18n.js";
import { PERIODS, choosePeriod, currentPeriod, fetchStats, statsView } from "./stats.js";
import { selectedUnit } from "./units.js";

// A tile that counts cases opens the list of those cases (the same filters the count uses).
const TILES = [
  { key: "open", label: "kpi_open", format: String, list: { open: true } },
  { key: "at_risk", label: "kpi_at_risk", format: String, tone: "risk", list: { at_risk: true } },
  { key: "overdue", label: "kpi_overdue", format: String, tone: "overdue", list: { overdue: true } },
  { key: "on_time_rate", label: "kpi_on_time", format: formatPercent, detail: "on_time_detail" },
  {
    key: "satisfaction_rate",
    label: "kpi_satisfaction",
    format: formatPercent,
    detail: "satisfaction_detail",
  },
];
const REFRESH_EVERY_MS = 60000; // a safety net under the live stream
const LIVE_DEBOUNCE_MS = 800; // a burst of events (an escalation chain) becomes one refresh

function tile({ key, label, tone, list }) {
  return h(
    list ? "a" : "div",
    {
      class: `kpi ${tone ? `kpi-${tone}` : ""} ${list ? "kpi-link" : ""}`,
      href: list ? listHref(list) : null,
      dataset: list ? { testid: `kpi-${key}`, link: "" } : { testid: `kpi-${key}` },
    },
    h("div", { class: "kpi-label" }, t(label)),
    h("div", { class: "kpi-value", dataset: { kpi: key } }, "—"),
    h("div", { class: "kpi-detail muted small", dataset: { kpiDetail: key } }),
  );
}

function periodPicker(onChange) {
  const select = h(
    "select",
    { dataset: { testid: "period-select" } },
    Object.entries(PERIODS).map(([name, { label }]) =>
      h("option", { value: name, selected: name === currentPeriod() }, t(label)),
    ),
  );
  select.addEventListener("change", () => {
    choosePeriod(select.value);
    onChange();
  });
  return h("label", { class: "period-picker" }, t("period"), " ", select);
}

function chartCard(name, title) {
  return h(
    "section",
    { class: "card chart-card", dataset: { testid: `chart-${name}` } },
    h("h2", {}, t(title)),
    h("div", { class: "chart-box", dataset: { chart: name } }),
  );
}

function layout(onPeriodChange) {
  return h(
    "div",
    { class: "overview" },
    h(
      "div",
      { class: "overview-bar" },
      h("h1", { class: "scope-name" }),
      periodPicker(onPeriodChange),
    ),
    h("section", { class: "kpis", dataset: { testid: "kpis" } }, TILES.map(tile)),
    h("p", { class: "error stats-error", hidden: true }),
    h(
      "div",
      { class: "charts" },
      chartCard("levels", "chart_levels"),
      chartCard("weekly", "chart_weekly"),
      chartCard("ageing", "chart_ageing"),
    ),
    h(
      "div",
      { class: "lists" },
      h("section", { class: "card", dataset: { testid: "list-at-risk" } }),
      h("section", { class: "card", dataset: { testid: "list-overdue" } }),
      h("section", { class: "card", dataset: { testid: "list-alerts" } }),
      h("section", { class: "card", dataset: { testid: "risk-panel" } }),
    ),
  );
}

export function overviewView(root) {
  const page = layout(() => refresh());
  replaceChildren(root, page);
  const part = (testid) => page.querySelector(`[data-testid="${testid}"]`);
  let timer = null;
  let refreshing = null;
  let again = false;

  function showTiles(values) {
    for (const { key, format, detail } of TILES) {
      const value = values[key];
      page.querySelector(`[data-kpi="${key}"]`).textContent =
        value === null || value === undefined ? "—" : format(value);
      if (detail) {
        page.querySelector(`[data-kpi-detail="${key}"]`).textContent = values[detail]
          ? t("of_cases", { detail: values[detail] })
          : "";
      }
    }
  }

  async function loadStats(unitId, lists) {
    const notice = page.querySelector(".stats-error");
    try {
      const view = statsView(await fetchStats(unitId));
      notice.hidden = true;
      page.querySelector(".scope-name").textContent = view.unit_name;
      showTiles(view);
      levelSharesChart(page.querySelector('[data-chart="levels"]'), view.levels);
      weeklyChart(page.querySelector('[data-chart="weekly"]'), view.weeks);
      ageingChart(page.querySelector('[data-chart="ageing"]'), view.ageing);
    } catch (error) {
      notice.hidden = false;
      notice.textContent = `${t("stats_unavailable")}: ${error.message}`;
      // The lists still tell how many cases are at risk and overdue.
      showTiles({ at_risk: lists.at_risk, overdue: lists.overdue });
      for (const box of page.querySelectorAll("[data-chart]")) {
        box.replaceChildren(h("p", { class: "muted chart-empty" }, t("stats_unavailable")));
      }
    }
  }

  async function loadList(name, testid, unitId) {
    try {
      const result = await fetchCaseList(name, unitId);
      renderCaseList(part(testid), name, result);
      return result.next_cursor ? null : result.items.length;
    } catch (error) {
      renderListError(part(testid), name, error);
      return null;
    }
  }

  async function loadAlerts(unitId) {
    try {
      renderAlerts(part("list-alerts"), await fetchOpenAlerts(unitId), {
        onAcknowledged: () => schedule(),
      });
    } catch (error) {
      renderAlertsError(part("list-alerts"), error);
    }
  }

  async function loadRisks(unitId) {
    try {
      renderRisks(part("risk-panel"), await fetchOpenRisks(unitId), { onAcknowledged: () => schedule() });
    } catch (error) {
      renderRisksError(part("risk-panel"), error);
    }
  }

  async function refreshOnce() {
    const unitId = selectedUnit();
    for (const { key, list } of TILES) {
      if (list) part(`kpi-${key}`).setAttribute("href", listHref({ ...list, unit_id: unitId }));
    }
    const [atRisk, overdue] = await Promise.all([
      loadList("at_risk", "list-at-risk", unitId),
      loadList("overdue", "list-overdue", unitId),
      loadAlerts(unitId),
      loadRisks(unitId),
    ]);
    await loadStats(unitId, { at_risk: atRisk, overdue });
    page.dataset.loadedAt = new Date().toISOString();
  }

  /** One refresh at a time; a request during one runs once more after it. */
  async function refresh() {
    if (refreshing) {
      again = true;
      return refreshing;
    }
    refreshing = (async () => {
      do {
        again = false;
        await refreshOnce();
      } while (again);
    })();
    try {
      await refreshing;
    } finally {
      refreshing = null;
    }
  }

  /** Live events gather for a moment, then one refresh (a steady stream cannot starve it). */
  function schedule() {
    if (timer) return;
    timer = setTimeout(() => {
      timer = null;
      refresh();
    }, LIVE_DEBOUNCE_MS);
  }

  const interval = setInterval(refresh, REFRESH_EVERY_MS);
  refresh();

  return {
    onAlert: schedule,
    onCase: schedule,
    onUnitChange: refresh,
    dispose() {
      clearInterval(interval);
      clearTimeout(timer);
    },
  };
}
