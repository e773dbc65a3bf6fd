// The at-risk and overdue case lists of the overview (GET /api/v1/cases), and the rows the
// case list page shares with them.
import { get, vocab } from "./api.js";
import { formatTime, h, link, replaceChildren } from "./dom.js";
import { pick, t } from "./i18n.js";
import { daysBetween } from "./time.js";
import { unitName } from "./units.js";

const LIST_LIMIT = 100;

// The same rules as the tiles above them (GET /stats counts with the list's filters), so a tile
// and its list always agree; an overdue case whose fresh clock is warning is in both.
export const LISTS = {
  at_risk: { title: "list_at_risk", params: { at_risk: true } },
  overdue: { title: "list_overdue", params: { overdue: true } },
};

export async function fetchCaseList(name, unitId) {
  return get("/cases", { ...LISTS[name].params, unit_id: unitId, limit: LIST_LIMIT });
}

export function caseHref(caseId) {
  return `/dashboard/cases/${encodeURIComponent(caseId)}`;
}

/** The case list page with these filters (never a search text: see case_list_page.js). */
export function listHref(filters = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(filters)) {
    if (value !== undefined && value !== null && value !== "") query.set(name, String(value));
  }
  const text = query.toString();
  return `/dashboard/cases${text ? `?${text}` : ""}`;
}

function flags(item) {
  return [
    item.overdue ? h("span", { class: "badge badge-overdue" }, t("overdue")) : null,
    item.at_risk ? h("span", { class: "badge badge-risk" }, t("at_risk")) : null,
  ];
}

/** "超期 3 天" from when the case became overdue (its breached period's due time), with that
 * due time: an overdue list never shows the fresh window's due time to come. */
export function overdueText(item, now = Date.now()) {
  const since = item.overdue_since ?? item.next_due_at;
  if (!since) return t("overdue");
  const days = daysBetween(Date.parse(since), now); // a day begun counts: 1 from the first second
  return days > 0 ? t("overdue_by", { days }) : t("overdue");
}

/** The "due" cell: for an overdue case, by how much and since when; else the next due time. */
export function dueCell(item) {
  if (!item.overdue) return h("td", { class: "due-cell", dataset: { label: t("next_due") } }, formatTime(item.next_due_at));
  const since = item.overdue_since ?? item.next_due_at;
  return h(
    "td",
    { class: "due-cell", dataset: { label: t("overdue_column"), testid: "overdue-by" } },
    h("strong", { class: "overdue-by" }, overdueText(item)),
    since ? h("div", { class: "muted small" }, t("due_was", { at: formatTime(since) })) : null,
  );
}

/** One case as a table row (a card on a phone: each cell names itself in data-label). */
export function caseRow(item) {
  const v = vocab();
  return h(
    "tr",
    { dataset: { caseId: item.case_id } },
    h("td", { class: "title-cell", dataset: { label: t("title") } }, link(caseHref(item.case_id), item.title), " ", flags(item)),
    h("td", { dataset: { label: t("state") } }, pick(v.states[item.state], item.state_label)),
    h("td", { dataset: { label: t("level") } }, pick(v.levels[item.level], item.level), " · ", unitName(item.unit_id)),
    dueCell(item),
  );
}

export function caseTable(items, dueHeading = "next_due") {
  return h(
    "table",
    { class: "data-table case-table" },
    h("thead", {}, h("tr", {}, ["title", "state", "level", dueHeading].map((k) => h("th", {}, t(k))))),
    h("tbody", {}, items.map(caseRow)),
  );
}

/** "100+" when there is a further page: the tile above has the exact figure. */
function countText(page) {
  const shown = page?.items?.length ?? 0;
  return page?.next_cursor ? `${shown}+` : String(shown);
}

export function renderCaseList(box, name, page) {
  const items = page?.items ?? [];
  const body = items.length
    ? caseTable(items, name === "overdue" ? "overdue_column" : "next_due")
    : h("p", { class: "muted" }, t("none"));
  replaceChildren(
    box,
    h(
      "h2",
      {},
      t(LISTS[name].title),
      " ",
      h("span", { class: "count" }, countText(page)),
      " ",
      link(listHref({ ...LISTS[name].params }), h("span", { class: "small" }, t("open_list"))),
    ),
    body,
  );
}

export function renderListError(box, name, error) {
  replaceChildren(
    box,
    h("h2", {}, t(LISTS[name].title)),
    h("p", { class: "error" }, `${t("load_failed")}: ${error.message}`),
  );
}
