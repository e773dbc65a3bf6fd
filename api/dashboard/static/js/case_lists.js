// The at-risk and overdue case lists of the overview (GET /api/v1/cases).
import { get, vocab } from "./api.js";
import { formatTime, h, link, replaceChildren } from "./dom.js";
import { pick, t } from "./i18n.js";
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

function flags(item) {
  return [
    item.overdue ? h("span", { class: "badge badge-overdue" }, t("overdue")) : null,
    item.at_risk ? h("span", { class: "badge badge-risk" }, t("at_risk")) : null,
  ];
}

function caseRow(item) {
  const v = vocab();
  return h(
    "tr",
    { dataset: { caseId: item.case_id } },
    h("td", {}, link(caseHref(item.case_id), item.title), " ", flags(item)),
    h("td", {}, pick(v.states[item.state], item.state_label)),
    h("td", {}, pick(v.levels[item.level], item.level), " · ", unitName(item.unit_id)),
    h("td", { class: "nowrap" }, formatTime(item.next_due_at)),
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
    ? h(
        "table",
        { class: "data-table" },
        h(
          "thead",
          {},
          h("tr", {}, ["title", "state", "level", "next_due"].map((k) => h("th", {}, t(k)))),
        ),
        h("tbody", {}, items.map(caseRow)),
      )
    : h("p", { class: "muted" }, t("none"));
  replaceChildren(
    box,
    h("h2", {}, t(LISTS[name].title), " ", h("span", { class: "count" }, countText(page))),
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
